import { promises as fs } from 'node:fs';

/** The last lines QEMU wrote from the guest's serial console, for error messages. */
export async function serialLogTail(file: string, lines = 30, maxBytes = 64 * 1024): Promise<string> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, 'r');
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return cleanConsoleText(buffer.toString('utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  } finally {
    await handle?.close();
  }
}

/** Drops terminal escape sequences and carriage returns that consoles print. */
export function cleanConsoleText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}
