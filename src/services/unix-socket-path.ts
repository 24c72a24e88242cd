import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import { UsageError } from '../core/errors';

/**
 * Makes `socketPath` free for a new listening socket: nothing there, or a socket nobody listens on
 * (left by a proxy that was killed), which is removed. A socket that answers, or any other kind of
 * file, is refused: we never delete what is not ours to delete.
 */
export async function claimSocketPath(socketPath: string): Promise<void> {
  const existing = await fs.lstat(socketPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!existing) return;
  if (!existing.isSocket()) throw new UsageError(`${socketPath} exists and is not a socket; choose another path with --socket`);
  if (await answers(socketPath)) throw new UsageError(`${socketPath} is in use (another proxy is listening there); stop it or choose another path with --socket`);
  await fs.rm(socketPath, { force: true });
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * Listens on `socketPath` created with mode 0600: the umask is narrowed around bind, so no other user
 * can connect even for an instant, then the mode is set exactly in case the file system ignores it.
 */
export async function listenPrivately(server: net.Server, socketPath: string): Promise<void> {
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(previous);
  }
  await fs.chmod(socketPath, 0o600);
}
