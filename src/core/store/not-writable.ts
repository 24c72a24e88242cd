import { MachineError, OperationError } from '../errors';
import { errorCode } from './no-follow';

/**
 * A write to the store refused by the file system, as what it is: a read-only mount or a store this
 * user may not change (never "locked by another command", never a bug). Undefined for other failures.
 */
export function storeNotWritable(storeRoot: string, err: unknown): MachineError | undefined {
  const code = errorCode(err);
  if (code !== 'EROFS' && code !== 'EACCES' && code !== 'EPERM') return undefined;
  const why = code === 'EROFS' ? 'is on a read-only file system' : 'is not writable by this user';
  return new OperationError('STORE_READ_ONLY', `the store at ${storeRoot} ${why} (${code}), and this command must change it`, [
    'use a writable store: --storage-path DIR or $MACHINE_STORAGE_PATH',
  ]);
}

/** Runs a write to the store, turning the file system's refusal into storeNotWritable's error. */
export async function writingStore<T>(storeRoot: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    throw storeNotWritable(storeRoot, err) ?? err;
  }
}
