import { PROVISIONED_IMAGE_STATE } from '../core/driver';
import { MachineError, UsageError } from '../core/errors';
import type { MachineRecord } from '../core/machine-record';
import { type ProvisionedImageEntry, ProvisionedImages } from '../images/provisioned-images';
import type { MachineApp } from './app';

/**
 * `machine cache ls/rm/prune`: the provisioned images in the store, with the machines whose disks are
 * layered on each. An image in use is never deleted (its machines could not boot again): `rm` refuses
 * and names them, `prune` keeps it and says why. An image still being made by a running create is
 * kept too; one whose create failed is removed by prune.
 */
export interface CachedImageRow {
  key: string;
  state: 'ready' | 'capturing' | 'abandoned';
  driver: string;
  sizeBytes: number;
  baseImageSha256: string;
  recipe: string;
  sourceMachine: string;
  createdAt: string;
  usedBy: string[];
  path: string;
}

export interface PruneOutcome {
  removed: CachedImageRow[];
  kept: CachedImageRow[];
  freedBytes: number;
}

export async function listCachedImages(app: MachineApp): Promise<CachedImageRow[]> {
  const [entries, records] = await Promise.all([new ProvisionedImages(app.layout.root).list(), loadRecords(app)]);
  return entries.map((entry) => row(entry, records));
}

/** Removes the image `key` names (a unique prefix is enough); refuses while a machine uses it. */
export async function removeCachedImage(app: MachineApp, key: string): Promise<CachedImageRow> {
  const rows = await listCachedImages(app);
  const matches = rows.filter((r) => r.key.startsWith(key.toLowerCase()));
  if (key.length === 0 || matches.length === 0) {
    throw new UsageError(`no cached image with key ${key}`, ['`machine cache ls` lists the keys']);
  }
  if (matches.length > 1) throw new UsageError(`key ${key} matches ${matches.length} cached images: give more of it`, matches.map((m) => m.key));
  const [target] = matches;
  if (target.usedBy.length > 0 || target.state === 'capturing') {
    const why = target.usedBy.length > 0 ? `the disk of ${target.usedBy.join(', ')} is layered on it` : `the create of ${target.sourceMachine} is still making it`;
    throw new MachineError(`cached image ${target.key} is in use: ${why}`, {
      code: 'IMAGE_IN_USE',
      suggestions: target.usedBy.length > 0 ? [`remove ${target.usedBy.join(', ')} first (\`machine rm\`), then the image`] : ['wait for that create to finish'],
    });
  }
  await new ProvisionedImages(app.layout.root).remove(target.key);
  return target;
}

/** Removes every image no machine uses and no running create is making. */
export async function pruneCachedImages(app: MachineApp): Promise<PruneOutcome> {
  const images = new ProvisionedImages(app.layout.root);
  const rows = await listCachedImages(app);
  const removed: CachedImageRow[] = [];
  const kept: CachedImageRow[] = [];
  for (const r of rows) {
    if (r.usedBy.length > 0 || r.state === 'capturing') {
      kept.push(r);
      continue;
    }
    await images.remove(r.key);
    removed.push(r);
  }
  return { removed, kept, freedBytes: removed.reduce((sum, r) => sum + r.sizeBytes, 0) };
}

function row(entry: ProvisionedImageEntry, records: MachineRecord[]): CachedImageRow {
  // A machine whose create rolled back has no resources left: its record no longer holds a disk.
  const usedBy = records.filter((r) => r.driverState[PROVISIONED_IMAGE_STATE] === entry.key && r.resources.length > 0).map((r) => r.name);
  const source = records.find((r) => r.name === entry.sourceMachine);
  // `capturing` is only true while the create that claimed it runs; after it failed, it is abandoned.
  const state = entry.state === 'capturing' && source?.status !== 'creating' ? 'abandoned' : entry.state;
  return {
    key: entry.key,
    state,
    driver: entry.driver,
    sizeBytes: entry.sizeBytes,
    baseImageSha256: entry.baseImageSha256,
    recipe: entry.recipeSummary,
    sourceMachine: entry.sourceMachine,
    createdAt: entry.createdAt,
    usedBy,
    path: entry.path,
  };
}

async function loadRecords(app: MachineApp): Promise<MachineRecord[]> {
  const names = await app.store.names();
  const records = await Promise.all(names.map((n) => app.store.load(n).catch(() => undefined)));
  return records.filter((r): r is MachineRecord => r !== undefined);
}
