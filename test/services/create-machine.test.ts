import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MachineError, PreCreateCheckError } from '../../src/core/errors';
import { createMachine } from '../../src/services/create-machine';
import { readPinnedKeys } from '../../src/ssh/known-hosts';
import { certificateCovers } from '../../src/tls';
import { rejectionOf } from '../helpers/rejection';
import { FAKE_SSH_USER, USER_KEY_PATH } from './fakes/fake-driver';
import { type World, createRequest, destroyWorld, finishedPhases, makeWorld } from './fakes/world';

/**
 * The create pipeline against a fake provider and a fake host, on a real store: what a success
 * records, and for a failure at each phase, what is recorded and what is rolled back.
 */
let world: World | undefined;
afterEach(() => destroyWorld(world));

const failure = (promise: Promise<unknown>): Promise<MachineError> => rejectionOf(promise, MachineError);

async function setUp(options: Parameters<typeof makeWorld>[0] = {}): Promise<World> {
  world = await makeWorld(options);
  return world;
}

async function treeOf(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true });
  return entries.map(String).sort();
}

describe('a create that succeeds', () => {
  it('goes through every phase and records a ready machine with what the driver made', async () => {
    const w = await setUp();
    w.cloud.states = ['Starting', 'Starting', 'Running'];

    const outcome = await createMachine(w.app, createRequest(w), w.progress);

    expect(outcome.dockerVersion).toBe('27.3.1');
    expect(finishedPhases(w)).toEqual(['pre-create check', 'reserve', 'create host', 'wait for running', 'host key', 'wait for ssh', 'provision', 'engine ready']);
    const record = await w.app.store.load('dev1');
    expect(record).toMatchObject({
      status: 'ready',
      driver: 'fake',
      ip: '127.0.0.1',
      ssh: { host: '127.0.0.1', port: 22, user: FAKE_SSH_USER, keyPath: USER_KEY_PATH },
      resources: [
        { kind: 'disk', id: 'disk-dev1' },
        { kind: 'vm', id: 'vm-dev1' },
      ],
      driverState: { vmId: 'vm-dev1' },
    });
    expect(record.error).toBeUndefined();
    // The state was polled on the app's clock, at the default interval, until Running.
    expect(w.clock.sleeps).toEqual([1_000, 1_000]);
  });

  it('pins the host key at first contact and issues a server certificate the engine wait accepts', async () => {
    const w = await setUp();
    await createMachine(w.app, createRequest(w), w.progress);

    expect(w.host.attempts).toHaveLength(1);
    expect(w.host.attempts[0].options).toMatchObject({ pinMode: 'trust-on-first-use', host: '127.0.0.1', user: FAKE_SSH_USER, privateKeyPath: USER_KEY_PATH });
    expect(w.host.attempts[0].wait).toMatchObject({ authGraceMs: 0, clock: w.clock });
    const knownHosts = w.app.layout.machineFile('dev1', 'known_hosts');
    expect((await readPinnedKeys(knownHosts, '127.0.0.1', 22)).map((k) => k.key)).toEqual([w.host.hostKey]);
    const serverCert = await fs.readFile(w.app.layout.machineFile('dev1', 'server.pem'), 'utf8');
    expect(certificateCovers(serverCert, '127.0.0.1')).toBe(true);
    expect(w.host.dockerdAddress).toBe('127.0.0.1');
    expect(w.host.sessions.every((s) => s.closed)).toBe(true);
  });

  it('makes a key for a driver that asks for one, gives the driver its public half and waits longer for auth', async () => {
    const w = await setUp();
    await createMachine(w.app, createRequest(w, { driverConfig: w.cloud.config({ generateKey: true, enginePort: w.host.enginePort }) }), w.progress);

    expect(w.cloud.sshPublicKey).toMatch(/^ssh-ed25519 /);
    const record = await w.app.store.load('dev1');
    expect(record.ssh?.keyPath).toBe(path.join('machines', 'dev1', 'id_ed25519'));
    expect(w.host.attempts[0].options.privateKeyPath).toBe(w.app.layout.machineFile('dev1', 'id_ed25519'));
    expect(w.host.attempts[0].wait?.authGraceMs).toBe(180_000);
  });

  it('makes the first connection insist on the host key fingerprints the driver read from the console', async () => {
    const w = await setUp({ hostKeys: [] });
    w.cloud.options.hostKeys?.push(w.host.fingerprint);
    await createMachine(w.app, createRequest(w), w.progress);
    expect(w.host.attempts[0].options.expectedFingerprints).toEqual([w.host.fingerprint]);
  });

  it('refuses a host whose key is not among the announced fingerprints, and rolls back', async () => {
    const w = await setUp({ hostKeys: ['SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU'] });
    const err = await failure(createMachine(w.app, createRequest(w), w.progress));
    expect(err.code).toBe('HOST_KEY_UNEXPECTED');
    expect((await w.app.store.load('dev1')).error?.phase).toBe('wait for ssh');
    expect(w.cloud.resources.size).toBe(0);
  });
});

/** One way for each phase to fail, and what the failure says. */
const failures: Array<{ phase: string; code?: string; reason: RegExp; inject: (w: World) => void }> = [
  { phase: 'create host', reason: /quota exceeded after making disk/, inject: (w) => (w.cloud.failCreateAfter = 1) },
  {
    phase: 'wait for running',
    code: 'STATE_TIMEOUT',
    reason: /did not become Running within 300s \(last state: Starting\)/,
    inject: (w) => (w.cloud.states = ['Starting']),
  },
  { phase: 'wait for ssh', code: 'SSH_TIMEOUT', reason: /did not accept SSH on 127\.0\.0\.1:22/, inject: (w) => (w.host.sshAnswers = false) },
  {
    phase: 'provision',
    reason: /dockerd did not start/,
    inject: (w) => (w.host.replies = { ...w.host.replies, 'configure-engine': { code: 1, stdout: 'error: dockerd did not start\n' } }),
  },
  { phase: 'engine ready', code: 'ENGINE_TIMEOUT', reason: /was not ready within/, inject: (w) => (w.host.dockerdStarts = false) },
];

describe.each(failures)('a create that fails at $phase', ({ phase, code, reason, inject }) => {
  it('records the phase and the reason, and rolls back exactly what was journaled', async () => {
    const w = await setUp();
    inject(w);

    const err = await failure(createMachine(w.app, createRequest(w), w.progress));

    expect(err.message).toMatch(reason);
    if (code) expect(err.code).toBe(code);
    const record = await w.app.store.load('dev1');
    expect(record.status).toBe('error');
    expect(record.error).toEqual({ phase, message: err.message, at: expect.any(String) });
    expect(record.resources).toEqual([]);
    expect(w.cloud.calls).toContain('remove');
    expect([...w.cloud.resources.keys()]).toEqual([]);
    expect(finishedPhases(w)).toContain('roll back');
  });

  it('keeps what was made with keepOnFailure, journaled for a later `machine rm`', async () => {
    const w = await setUp();
    inject(w);

    await failure(createMachine(w.app, createRequest(w, { keepOnFailure: true }), w.progress));

    const record = await w.app.store.load('dev1');
    expect(record.status).toBe('error');
    expect(record.error?.phase).toBe(phase);
    const made = phase === 'create host' ? ['disk-dev1'] : ['disk-dev1', 'vm-dev1'];
    expect(record.resources.map((r) => r.id)).toEqual(made);
    expect([...w.cloud.resources.keys()]).toEqual(made);
    expect(w.cloud.calls).not.toContain('remove');
  });
});

describe("the driver's diagnosis", () => {
  const diagnosis = 'console: the host is still at its boot loader';

  it.each(failures.filter((f) => f.phase.startsWith('wait for')))('is added to a failed $phase, keeping its code', async ({ inject, code, reason }) => {
    const w = await setUp({ diagnosis });
    inject(w);
    const err = await failure(createMachine(w.app, createRequest(w), w.progress));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(reason);
    expect(err.message.endsWith(`\n${diagnosis}`)).toBe(true);
    expect((await w.app.store.load('dev1')).error?.message).toContain(diagnosis);
  });

  it.each(failures.filter((f) => !f.phase.startsWith('wait for')))('is not asked for when $phase fails', async ({ inject }) => {
    const w = await setUp({ diagnosis });
    inject(w);
    const err = await failure(createMachine(w.app, createRequest(w), w.progress));
    expect(err.message).not.toContain(diagnosis);
    expect(w.cloud.calls).not.toContain('diagnose');
  });
});

describe('an interrupted create', () => {
  it('stops a wait at once, rolls back and says INTERRUPTED, without a diagnosis', async () => {
    const w = await setUp({ diagnosis: 'console: nothing yet' });
    const controller = new AbortController();
    w.cloud.states = ['Starting'];
    w.clock.onSleep = () => {
      if (w.clock.sleeps.length === 2) controller.abort();
    };

    const err = await failure(createMachine(w.app, createRequest(w, { signal: controller.signal }), w.progress));

    expect(err.code).toBe('INTERRUPTED');
    expect(err.message).not.toContain('console');
    expect(w.clock.sleeps).toHaveLength(2);
    expect((await w.app.store.load('dev1')).error?.phase).toBe('wait for running');
    expect([...w.cloud.resources.keys()]).toEqual([]);
  });

  it('turns the provider call that the interrupt cut short into INTERRUPTED, and removes what it had made', async () => {
    const w = await setUp();
    const controller = new AbortController();
    w.cloud.onResource = () => controller.abort();

    const err = await failure(createMachine(w.app, createRequest(w, { signal: controller.signal }), w.progress));

    expect(err).toMatchObject({ code: 'INTERRUPTED', message: 'create was interrupted' });
    const record = await w.app.store.load('dev1');
    expect(record).toMatchObject({ status: 'error', error: { phase: 'create host' }, resources: [] });
    expect([...w.cloud.resources.keys()]).toEqual([]);
  });
});

describe('a failed pre-create check', () => {
  it('exits 3 and leaves the store exactly as it was', async () => {
    const w = await setUp();
    w.cloud.preCreateFailure = new PreCreateCheckError('no quota left in the region', ['ask the provider for more']);
    const before = await treeOf(w.storePath);

    const err = await failure(createMachine(w.app, createRequest(w), w.progress));

    expect(err).toMatchObject({ code: 'PRE_CREATE_CHECK', exit: 3, suggestions: ['ask the provider for more'] });
    expect(await treeOf(w.storePath)).toEqual(before);
    expect(await w.app.store.exists('dev1')).toBe(false);
    expect(w.cloud.calls).toEqual(['preCreateCheck']);
  });
});

it('refuses a name that is taken, and leaves that machine alone', async () => {
  const w = await setUp();
  await createMachine(w.app, createRequest(w), w.progress);
  const err = await failure(createMachine(w.app, createRequest(w), w.progress));
  expect(err.code).toBe('MACHINE_EXISTS');
  expect((await w.app.store.load('dev1')).status).toBe('ready');
  expect(w.cloud.resources.size).toBe(2);
});
