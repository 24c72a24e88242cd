import { promises as fs } from 'node:fs';
import { OperationError } from '../errors';

/**
 * The cross-process store lock. Everything that must not interleave between two `machine` processes
 * (creating the CA, reserving a name, allocating ports) runs inside `withStoreLock`. proper-lockfile
 * uses an atomic mkdir plus a refreshed mtime, so a lock left by a killed process goes stale and is
 * taken over instead of blocking forever.
 */
export async function withStoreLock<T>(storeRoot: string, work: () => Promise<T>, waitMs = 120_000): Promise<T> {
  await fs.mkdir(storeRoot, { recursive: true, mode: 0o700 });
  const lockfile = await import('proper-lockfile');
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(storeRoot, {
      lockfilePath: `${storeRoot}/.lock`,
      stale: 15_000,
      update: 5_000,
      retries: { retries: Math.ceil(waitMs / 200), factor: 1, minTimeout: 100, maxTimeout: 300 },
    });
  } catch (err) {
    throw new OperationError(
      'STORE_LOCKED',
      `the store at ${storeRoot} is locked by another machine command and did not free up within ${waitMs / 1000}s`,
      ['wait for the other command to finish, then try again'],
      err,
    );
  }
  try {
    return await work();
  } finally {
    await release();
  }
}
