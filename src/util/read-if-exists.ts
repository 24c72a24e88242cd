import { promises as fs } from 'node:fs';

/**
 * A file's text, or undefined when it does not exist. Only a missing file is "no answer": any other
 * failure (no permission, a folder where a file should be, a broken disk) is thrown, because treating it
 * as absent would quietly overwrite or re-create something that is there.
 */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT';
}
