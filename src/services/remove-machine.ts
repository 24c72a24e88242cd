import type { MachineApp } from './app';
import { MachineError, OperationError, errorMessage } from '../core/errors';
import { dropMachineContext } from './docker-context';

export interface RemoveOutcome {
  name: string;
  removed: boolean;
  /** What the driver found and did (an instance already gone, a shared group kept...). */
  notes: string[];
  /** Set when --force removed the record although the driver could not clean everything. */
  remoteError?: string;
}

/**
 * Removes what the driver recorded, then the local record. Without `force`, a driver failure keeps
 * the record so nothing is forgotten while it still exists somewhere.
 */
export async function removeMachine(app: MachineApp, name: string, force: boolean): Promise<RemoveOutcome> {
  const record = await app.store.load(name);
  let remoteError: string | undefined;
  let notes: string[] = [];
  try {
    const driver = await app.driverFor(record);
    notes = await driver.remove();
  } catch (err) {
    remoteError = errorMessage(err);
    if (!force) {
      throw new OperationError(
        'REMOVE_FAILED',
        `could not remove what the ${record.driver} driver made for "${name}": ${remoteError}`,
        [`retry later, or drop the local record anyway with \`machine rm --force ${name}\``],
        err instanceof MachineError ? err : undefined,
      );
    }
  }
  await app.store.remove(name);
  // The record is gone either way; a docker config we cannot change is worth a word, not a failure.
  notes = [...notes, ...(await dropMachineContext(app, name).catch((err: unknown) => [`could not remove docker context: ${errorMessage(err)}`]))];
  return { name, removed: true, notes, ...(remoteError ? { remoteError } : {}) };
}
