import type { MachineApp } from './app';
import { MachineError, MachineNotFoundError, OperationError, errorMessage } from '../core/errors';
import type { MachineRecord } from '../core/machine-record';
import { removalSchema } from '../core/store/record-schema';
import { validateName } from '../core/store/machine-store';
import { dropMachineContext } from './docker-context';
import { leaveSwarmOf } from './swarm-leave';

export interface RemoveOutcome {
  name: string;
  removed: boolean;
  /** What the driver found and did (an instance already gone, a shared group kept...). */
  notes: string[];
  /** Set when the record went although not everything it describes could be cleaned up (--force, or a broken record). */
  remoteError?: string;
}

/**
 * Removes what the driver recorded, then the local record. Without `force`, a driver failure keeps a
 * valid record so nothing is forgotten while it still exists somewhere. A record that does not read
 * (or a stray entry of machines/) is removed either way after what cleanup it allows, since keeping it
 * helps nobody; what could not be cleaned is said.
 */
export async function removeMachine(app: MachineApp, name: string, force: boolean): Promise<RemoveOutcome> {
  if (!(await app.store.hasEntry(name))) {
    validateName(name);
    throw new MachineNotFoundError(name);
  }
  // A store that cannot be changed is said before the driver deletes anything it would then forget.
  await app.store.assertWritable();
  const entry = await app.store.entry(name);
  if (entry === undefined) {
    await app.store.remove(name);
    return { name, removed: true, notes: ['only leftovers of an earlier remove were there'] };
  }
  if ('problem' in entry) return removeBroken(app, name, entry.problem);

  const record = entry.record;
  let remoteError: string | undefined;
  let notes: string[] = [];
  // A swarm member leaves first, so the cluster does not keep a node that will never come back; a
  // manager the swarm cannot lose is refused here, before anything is deleted.
  const swarmNotes = record.swarm ? await leaveBeforeRemove(app, name, force) : [];
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
  return { name, removed: true, notes: [...swarmNotes, ...notes, ...(await dropContext(app, name))], ...(remoteError ? { remoteError } : {}) };
}

async function leaveBeforeRemove(app: MachineApp, name: string, force: boolean): Promise<string[]> {
  try {
    return (await leaveSwarmOf(app, name, { force })).notes.map((note) => `swarm: ${note}`);
  } catch (err) {
    if (!force) throw err;
    return [`swarm: could not leave (${errorMessage(err)}); removed anyway`];
  }
}

/** A record that fails its schema: the driver still cleans up when the parts it needs are sound. */
async function removeBroken(app: MachineApp, name: string, problem: string): Promise<RemoveOutcome> {
  const parts = await removableParts(app, name);
  let notes: string[] = [];
  let remoteError: string | undefined;
  if (parts === undefined) {
    remoteError = `${problem}; nothing a driver made for it could be looked for, so check your provider for resources named "${name}"`;
  } else {
    try {
      notes = await (await app.driverFor(parts)).remove();
    } catch (err) {
      remoteError = `the ${parts.driver} driver could not remove what it made: ${errorMessage(err)}; check your provider for resources named "${name}"`;
    }
  }
  await app.store.remove(name);
  return { name, removed: true, notes: [...notes, ...(await dropContext(app, name))], ...(remoteError ? { remoteError } : {}) };
}

/** Driver, config and resources from a record that is a real folder's readable JSON, if they are sound. */
async function removableParts(app: MachineApp, name: string): Promise<Pick<MachineRecord, 'name' | 'driver' | 'driverConfig' | 'driverState' | 'resources'> | undefined> {
  if ((await app.store.entryKindOf(name)) !== 'directory') return undefined;
  const raw = await app.store.loadRaw(name).catch(() => undefined);
  const parsed = removalSchema.safeParse(raw);
  if (!parsed.success || parsed.data.name !== name) return undefined;
  return parsed.data;
}

/** The record is gone either way; a docker config we cannot change is worth a word, not a failure. */
async function dropContext(app: MachineApp, name: string): Promise<string[]> {
  return dropMachineContext(app, name).catch((err: unknown) => [`could not remove docker context: ${errorMessage(err)}`]);
}
