import { promises as fs } from 'node:fs';
import { MachineError } from '../../src/core/errors';
import { ProvisionedImages, provisionedImagePath } from '../../src/images/provisioned-images';
import { createMachine } from '../../src/services/create-machine';
import { rejectionOf } from '../helpers/rejection';
import { FAKE_IMAGE_KEY } from './fakes/fake-driver';
import { type World, createRequest, destroyWorld, finishedPhases, makeWorld } from './fakes/world';

/**
 * The provisioned-image cache in the create pipeline, against a fake local-VM driver and a fake host:
 * a miss is provisioned, sealed, kept and re-provisioned per machine; a hit only does the per-machine
 * work; --no-image-cache does neither; a failed seal gives the key back.
 */
let world: World | undefined;
afterEach(() => destroyWorld(world));

async function setUp(): Promise<World> {
  world = await makeWorld({ provisionedImages: true });
  return world;
}

const notes = (w: World): string[] => w.events.filter((e) => e.event === 'note').map((e) => e.message ?? '');
const scriptsRun = (w: World): string[] => w.host.scriptsRun();

it('a miss: provisions fully, seals the host, keeps its disk, boots again from it and provisions per machine', async () => {
  const w = await setUp();
  await createMachine(w.app, createRequest(w), w.progress);

  expect(w.cloud.provisioningRecipe).toMatch(/^[0-9a-f]{64}$/);
  expect(finishedPhases(w)).toEqual([
    'pre-create check', 'reserve', 'create host', 'wait for running', 'host key', 'wait for ssh', 'provision',
    'seal image', 'keep image', 'wait for running (image)', 'wait for ssh (image)', 'provision (per machine)', 'engine ready',
  ]);
  // Booted from the sealed disk, the machine skips install-engine: the seal said where dockerd is.
  expect(scriptsRun(w)).toEqual(['set-hostname', 'install-engine', 'configure-engine', 'seal-image', 'set-hostname', 'configure-engine']);
  // The sealed disk made new host keys: the second wait replaces the pin made at first contact.
  expect(w.host.attempts.filter((a) => a.kind === 'wait').map((a) => a.options.pinMode)).toEqual(['trust-on-first-use', 'accept-new']);
  expect(w.cloud.calls).toContain('captureProvisionedImage');

  const image = await new ProvisionedImages(w.storePath).find(FAKE_IMAGE_KEY);
  expect(image).toMatchObject({ state: 'ready', sourceMachine: 'dev1', driver: 'fake', dockerdPath: '/usr/bin/dockerd', recipeSummary: expect.stringContaining('docker.io from the distribution') });
  expect((await w.app.store.load('dev1')).driverState.provisionedImage).toBe(FAKE_IMAGE_KEY);
  expect(notes(w)).toEqual(expect.arrayContaining([expect.stringMatching(/is not cached: full provisioning/), expect.stringMatching(/is ready for the next machine/)]));
});

it('a hit: says it booted from the provisioned image, seals nothing and only does the per-machine work', async () => {
  const w = await setUp();
  w.cloud.imageCached = true;
  const images = new ProvisionedImages(w.storePath);
  await images.claim({ key: FAKE_IMAGE_KEY, driver: 'fake', file: `${FAKE_IMAGE_KEY}.qcow2`, baseImageSha256: '', recipe: 'r', recipeSummary: '', sourceMachine: 'first' });
  await fs.writeFile(provisionedImagePath(w.storePath, FAKE_IMAGE_KEY, 'qcow2'), 'disk');
  await images.markReady(FAKE_IMAGE_KEY, { dockerdPath: '/usr/sbin/dockerd' });
  await createMachine(w.app, createRequest(w), w.progress);

  expect(finishedPhases(w)).toEqual(['pre-create check', 'reserve', 'create host', 'wait for running', 'host key', 'wait for ssh', 'provision', 'engine ready']);
  expect(scriptsRun(w)).toEqual(['set-hostname', 'configure-engine']);
  const session = w.host.sessions.find((s) => s.files.has(`${s.stagingDir}/10-machine.conf`));
  // configure-engine.sh finds dockerd itself; install-engine, which would have, did not run.
  expect(session?.files.get(`${session.stagingDir}/10-machine.conf`)?.content).toContain('ExecStart=@DOCKERD@ ');
  expect(w.cloud.calls).not.toContain('captureProvisionedImage');
  expect(notes(w)).toContain(`booted from provisioned image ${FAKE_IMAGE_KEY} (image cache): only the per-machine provisioning is left`);
});

it('--no-image-cache: no recipe for the driver, nothing sealed or kept', async () => {
  const w = await setUp();
  await createMachine(w.app, createRequest(w, { imageCache: false }), w.progress);

  expect(w.cloud.provisioningRecipe).toBeUndefined();
  expect(scriptsRun(w)).not.toContain('seal-image');
  expect(await new ProvisionedImages(w.storePath).list()).toEqual([]);
});

it('another create holding the key: this machine stays as provisioned', async () => {
  const w = await setUp();
  await new ProvisionedImages(w.storePath).claim({ key: FAKE_IMAGE_KEY, driver: 'fake', file: `${FAKE_IMAGE_KEY}.qcow2`, baseImageSha256: '', recipe: 'r', recipeSummary: '', sourceMachine: 'other' });
  await createMachine(w.app, createRequest(w), w.progress);

  expect(scriptsRun(w)).not.toContain('seal-image');
  expect(notes(w)).toContain(`another create is keeping provisioned image ${FAKE_IMAGE_KEY}; this machine stays as provisioned`);
});

it('a failed seal fails the create, rolls the machine back and gives the key back', async () => {
  const w = await setUp();
  w.host.replies['seal-image'] = { code: 1, stderr: 'error: cannot stop docker\n' };
  const err = await rejectionOf(createMachine(w.app, createRequest(w), w.progress), MachineError);

  expect(err.message).toContain('provisioning failed at seal-image: cannot stop docker');
  expect((await w.app.store.load('dev1')).error?.phase).toBe('seal image');
  expect(w.cloud.resources.size).toBe(0);
  expect(await new ProvisionedImages(w.storePath).list()).toEqual([]);
  await expect(fs.access(provisionedImagePath(w.storePath, FAKE_IMAGE_KEY, 'qcow2'))).rejects.toThrow();
});
