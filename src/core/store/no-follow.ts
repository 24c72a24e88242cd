import { type Stats, constants, lstatSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OperationError } from '../errors';

/*
 * The store never follows a symbolic link below its root: a link planted at machines/NAME, certs/ or a
 * key file would otherwise make `rm` delete, or `create` chmod and overwrite, whatever it points at.
 * The root itself may be a link: the user chose that path.
 */

export function symlinkRefused(p: string): OperationError {
  return new OperationError('STORE_SYMLINK', `${p} is a symbolic link, and machine does not follow links inside its store`, [
    `replace ${p} with the real folder or file it stands for, or remove the link`,
  ]);
}

export type EntryKind = 'missing' | 'directory' | 'file' | 'symlink' | 'other';

export async function entryKind(p: string): Promise<EntryKind> {
  try {
    const stat = await fs.lstat(p);
    if (stat.isSymbolicLink()) return 'symlink';
    if (stat.isDirectory()) return 'directory';
    return stat.isFile() ? 'file' : 'other';
  } catch (err) {
    if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') return 'missing';
    throw err;
  }
}

/**
 * Refuses when any component of `target` below `root` is a symbolic link. Components that do not
 * exist yet are fine: whatever makes them makes real ones.
 */
export async function assertNoLinksBelow(root: string, target: string): Promise<void> {
  const relative = path.relative(root, target);
  if (relative === '') return;
  if (relative.startsWith('..') || path.isAbsolute(relative)) throw new OperationError('STORE_OUTSIDE', `${target} is outside the store at ${root}`);
  let current = root;
  for (const part of relative.split(path.sep)) {
    current = path.join(current, part);
    const kind = await entryKind(current);
    if (kind === 'symlink') throw symlinkRefused(current);
    if (kind === 'missing') return;
  }
}

/** As assertNoLinksBelow, for callers that cannot wait (building connection options); also checks `target` itself. */
export function assertNoLinksBelowSync(root: string, target: string): void {
  const relative = path.relative(root, target);
  if (relative.startsWith('..') || path.isAbsolute(relative)) throw new OperationError('STORE_OUTSIDE', `${target} is outside the store at ${root}`);
  let current = root;
  for (const part of relative.split(path.sep).filter(Boolean)) {
    current = path.join(current, part);
    let stat: Stats;
    try {
      stat = lstatSync(current);
    } catch {
      return; // missing: whatever reads it next reports that
    }
    if (stat.isSymbolicLink()) throw symlinkRefused(current);
  }
}

/** A folder in the store, made if missing (0700); refused if a link stands there. */
export async function ensureStoreDir(root: string, dir: string): Promise<void> {
  await assertNoLinksBelow(root, dir);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
}

/** Reads a file without following a link at its last component; the caller has checked the folders above. */
export async function readFileNoFollow(p: string): Promise<Buffer> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(p, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if (errorCode(err) === 'ELOOP') throw symlinkRefused(p);
    throw err;
  }
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** A store file's text, or undefined when it does not exist; links below the root are refused. */
export async function readStoreFile(root: string, file: string): Promise<string | undefined> {
  await assertNoLinksBelow(root, path.dirname(file));
  try {
    return (await readFileNoFollow(file)).toString('utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export function errorCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}
