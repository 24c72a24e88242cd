import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MachineError, UsageError } from '../../src/core/errors';
import { type MachineRecord, RECORD_SCHEMA_VERSION } from '../../src/core/machine-record';
import { ProvisionedImages, provisionedImagePath } from '../../src/images/provisioned-images';
import { MachineApp } from '../../src/services/app';
import { listCachedImages, pruneCachedImages, removeCachedImage } from '../../src/services/provisioned-image-cache';
import { rejectionOf } from '../helpers/rejection';

/** `machine cache ls/rm/prune` on a real store: which images machines still need, and what goes. */
let store: string;
let app: MachineApp;
beforeEach(async () => {
  store = await fs.mkdtemp(path.join(os.tmpdir(), 'image-cache-service-'));
  app = new MachineApp(store);
});
afterEach(() => fs.rm(store, { recursive: true, force: true }));

const USED = '1111111111111111';
const FREE = '2222222222222222';
const MAKING = '3333333333333333';
const FAILED = '4444444444444444';

async function image(key: string, source: string, ready: boolean): Promise<void> {
  const images = new ProvisionedImages(store);
  await images.claim({ key, driver: 'qemu', file: `${key}.qcow2`, baseImageSha256: 'f'.repeat(64), recipe: 'r', recipeSummary: 'docker.io from the distribution', sourceMachine: source });
  await fs.writeFile(provisionedImagePath(store, key, 'qcow2'), Buffer.alloc(8192, 7));
  if (ready) await images.markReady(key);
}

async function machine(name: string, status: MachineRecord['status'], provisionedImage: string, resources = 1): Promise<void> {
  await app.store.reserve({
    schemaVersion: RECORD_SCHEMA_VERSION,
    name,
    driver: 'qemu',
    status,
    createdAt: new Date().toISOString(),
    driverConfig: {},
    driverState: { provisionedImage },
    resources: Array.from({ length: resources }, (_, i) => ({ kind: 'qemu-disk', id: `disk${i}` })),
    engine: { install: 'distro', port: 2376, labels: [], opts: [], env: [], insecureRegistries: [], registryMirrors: [] },
    tls: { keyType: 'ecdsa', sans: [] },
  });
}

async function world(): Promise<void> {
  await image(USED, 'm1', true);
  await image(FREE, 'gone', true);
  await image(MAKING, 'm3', false);
  await image(FAILED, 'm4', false);
  await machine('m1', 'ready', USED);
  await machine('m2', 'ready', USED);
  await machine('m3', 'creating', MAKING);
  // A create that failed and rolled back: its record stays, without resources.
  await machine('m4', 'error', FAILED, 0);
}

it('lists every image with its state, size and the machines layered on it', async () => {
  await world();
  const rows = await listCachedImages(app);
  const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
  expect(byKey[USED]).toMatchObject({ state: 'ready', usedBy: ['m1', 'm2'], sourceMachine: 'm1', driver: 'qemu', recipe: 'docker.io from the distribution' });
  expect(byKey[USED].sizeBytes).toBeGreaterThanOrEqual(8192);
  expect(byKey[FREE]).toMatchObject({ state: 'ready', usedBy: [] });
  expect(byKey[MAKING]).toMatchObject({ state: 'capturing', usedBy: ['m3'] });
  expect(byKey[FAILED]).toMatchObject({ state: 'abandoned', usedBy: [] });
});

it('rm refuses an image in use, naming the machines, and removes a free one by a unique prefix', async () => {
  await world();
  const refused = await rejectionOf(removeCachedImage(app, USED), MachineError);
  expect(refused.code).toBe('IMAGE_IN_USE');
  expect(refused.message).toContain('m1, m2');
  expect(await fs.stat(provisionedImagePath(store, USED, 'qcow2'))).toBeDefined();

  await rejectionOf(removeCachedImage(app, 'ffff'), UsageError);
  expect((await removeCachedImage(app, '2222')).key).toBe(FREE);
  expect((await listCachedImages(app)).map((r) => r.key)).not.toContain(FREE);
});

it('rm refuses an ambiguous prefix', async () => {
  await image('abcd000000000000', 'x', true);
  await image('abcd111111111111', 'y', true);
  const err = await rejectionOf(removeCachedImage(app, 'abcd'), UsageError);
  expect(err.message).toContain('matches 2');
});

it('prune removes what no machine needs and keeps the rest, saying why', async () => {
  await world();
  const outcome = await pruneCachedImages(app);
  expect(outcome.removed.map((r) => r.key).sort()).toEqual([FREE, FAILED]);
  expect(outcome.kept.map((r) => r.key).sort()).toEqual([USED, MAKING]);
  expect(outcome.freedBytes).toBeGreaterThanOrEqual(2 * 8192);
  expect((await fs.readdir(path.join(store, 'cache', 'provisioned'))).sort()).toEqual([`${USED}.json`, `${USED}.qcow2`, `${MAKING}.json`, `${MAKING}.qcow2`].sort());
});
