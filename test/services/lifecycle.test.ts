import { promises as fs } from 'node:fs';
import { MachineError, NotSupportedError } from '../../src/core/errors';
import type { LifecycleOperation } from '../../src/core/driver';
import { runLifecycle } from '../../src/services/lifecycle';
import { readPinnedKeys } from '../../src/ssh/known-hosts';
import { certificateCovers } from '../../src/tls';
import { rejectionOf } from '../helpers/rejection';
import type { FakeCloudOptions } from './fakes/fake-driver';
import { createMachine } from '../../src/services/create-machine';
import { type World, createRequest, destroyWorld, finishedPhases, makeWorld, worldWithMachine } from './fakes/world';

/**
 * start/stop/restart/kill on a machine made by the real create pipeline, against the fake provider
 * and host. The waits poll the driver on a fake clock: minutes of waiting take no time.
 */
let world: World | undefined;
afterEach(() => destroyWorld(world));

async function setUp(options: FakeCloudOptions = {}): Promise<World> {
  world = await worldWithMachine(options);
  return world;
}

async function run(w: World, operation: LifecycleOperation) {
  return runLifecycle(w.app, await w.app.store.load('dev1'), operation, w.progress);
}

const serverCert = (w: World) => fs.readFile(w.app.layout.machineFile('dev1', 'server.pem'), 'utf8');

describe.each([
  { operation: 'stop', from: 'Running', to: 'Stopped', polls: 1 },
  { operation: 'kill', from: 'Running', to: 'Stopped', polls: 0 },
  { operation: 'start', from: 'Stopped', to: 'Running', polls: 2 },
] as const)('$operation', ({ operation, from, to, polls }) => {
  it(`asks the driver once and waits until state() says ${to}`, async () => {
    const w = await setUp();
    w.cloud.states = [from];

    const outcome = await run(w, operation);

    expect(outcome).toEqual({ name: 'dev1', state: to, alreadyThere: false, certificatesReissued: false });
    expect(w.cloud.calls.filter((c) => c === operation)).toHaveLength(1);
    // One look before, then one per pause until the wanted state: all on the app's clock.
    expect(w.clock.sleeps).toEqual(Array(polls).fill(1_000));
    expect(w.cloud.calls.filter((c) => c === 'state')).toHaveLength(polls + 2);
    expect(finishedPhases(w)).toContain(`wait for ${to.toLowerCase()}`);
  });

  it(`is success with alreadyThere when the machine is already ${to}, and asks the driver for nothing`, async () => {
    const w = await setUp();
    w.cloud.states = [to];
    const outcome = await run(w, operation);
    expect(outcome).toEqual({ name: 'dev1', state: to, alreadyThere: true, certificatesReissued: false });
    expect(w.cloud.calls).not.toContain(operation);
    expect(w.clock.sleeps).toEqual([]);
  });

  it('names the wanted and the last state when the machine never gets there', async () => {
    const w = await setUp();
    w.cloud.states = [from];
    w.cloud.transitions[operation] = [operation === 'start' ? 'Starting' : 'Stopping'];

    const err = await rejectionOf(run(w, operation), MachineError);

    expect(err.code).toBe('STATE_TIMEOUT');
    expect(err.message).toBe(`the machine did not become ${to} within 300s (last state: ${w.cloud.transitions[operation][0]})`);
    expect(w.clock.sleeps.reduce((a, b) => a + b, 0)).toBe(300_000);
  });
});

describe('restart', () => {
  it('restarts a running machine, pauses for it to go down, then waits for Running and for SSH and the engine', async () => {
    const w = await setUp();
    const outcome = await run(w, 'restart');

    expect(outcome).toEqual({ name: 'dev1', state: 'Running', alreadyThere: false, certificatesReissued: false });
    expect(w.cloud.calls.filter((c) => c === 'restart')).toHaveLength(1);
    expect(w.clock.sleeps).toEqual([3_000, 1_000, 1_000]);
    expect(finishedPhases(w)).toEqual(['restart', 'wait for running', 'wait for ssh', 'engine ready']);
    expect(w.host.attempts.map((a) => [a.kind, a.options.pinMode])).toEqual([['wait', 'strict']]);
  });
});

it("polls at the driver's own interval", async () => {
  const w = await setUp({ statePollIntervalMs: 5_000 });
  await run(w, 'stop');
  expect(w.clock.sleeps).toEqual([5_000]);
});

it("answers NotSupported with the descriptor's advice for an operation the driver declares it cannot do", async () => {
  const advice = 'the provider has no forced power-off; use `machine stop dev1`';
  const w = await setUp({ unsupported: { kill: advice } });

  const err = await rejectionOf(run(w, 'kill'), NotSupportedError);

  expect(err).toMatchObject({ code: 'NOT_SUPPORTED', message: 'kill is not supported by the fake driver', suggestions: [advice] });
  expect(w.cloud.calls).toEqual([]);
});

describe('a machine that comes back at a new address', () => {
  it('after start: the record follows it, the pin moves with it and the server certificate is reissued over SSH', async () => {
    const w = await setUp();
    w.cloud.states = ['Stopped'];
    w.cloud.addressAfterStart = '127.0.0.2';
    expect(certificateCovers(await serverCert(w), '127.0.0.2')).toBe(false);

    const outcome = await run(w, 'start');

    expect(outcome).toEqual({ name: 'dev1', state: 'Running', alreadyThere: false, certificatesReissued: true });
    const record = await w.app.store.load('dev1');
    expect(record.ip).toBe('127.0.0.2');
    expect(record.ssh).toMatchObject({ host: '127.0.0.2', port: 22 });
    // Strict connections to the new address got in: the key pinned at create was carried over.
    expect(w.host.attempts.map((a) => [a.options.host, a.options.pinMode])).toEqual([
      ['127.0.0.2', 'strict'],
      ['127.0.0.2', 'strict'],
    ]);
    const knownHosts = w.app.layout.machineFile('dev1', 'known_hosts');
    expect((await readPinnedKeys(knownHosts, '127.0.0.2', 22)).map((k) => k.key)).toEqual([w.host.hostKey]);
    expect(certificateCovers(await serverCert(w), '127.0.0.2')).toBe(true);
    // The host saw the provisioning, and dockerd answers the engine wait at the new address.
    expect(w.host.scriptsRun()).toContain('configure-engine');
    expect(w.host.dockerdAddress).toBe('127.0.0.2');
    expect(finishedPhases(w)).toEqual(['start', 'wait for running', 'wait for ssh', 'engine ready']);
  });

  it('started behind our back: `start` finds it running, and still follows the address', async () => {
    const w = await setUp();
    w.cloud.address = '127.0.0.2';

    const outcome = await run(w, 'start');

    expect(outcome).toEqual({ name: 'dev1', state: 'Running', alreadyThere: true, certificatesReissued: true });
    expect(w.cloud.calls).not.toContain('start');
    expect((await w.app.store.load('dev1')).ip).toBe('127.0.0.2');
    expect(certificateCovers(await serverCert(w), '127.0.0.2')).toBe(true);
  });

  it('at the same address: nothing is reissued and the host is not provisioned again', async () => {
    const w = await setUp();
    w.cloud.states = ['Stopped'];
    const before = await serverCert(w);

    await run(w, 'start');

    expect(await serverCert(w)).toBe(before);
    expect(w.host.commands()).toEqual([]);
  });
});

describe('a machine whose create failed and left no host', () => {
  it.each(['start', 'stop', 'restart', 'kill'] as const)('%s says at once that it cannot, and what to do', async (operation) => {
    world = await makeWorld();
    world.cloud.failCreateAfter = 2;
    await createMachine(world.app, createRequest(world), world.progress).catch(() => undefined);
    const w = world;
    expect(w.cloud.resources.size).toBe(0);
    w.clock.sleeps.length = 0;

    const err = await rejectionOf(run(w, operation), MachineError);

    expect(err.code).toBe('NO_HOST');
    expect(err.message).toBe(
      `\`${operation}\` cannot bring machine "dev1" to ${operation === 'stop' || operation === 'kill' ? 'Stopped' : 'Running'}: its create failed at "create host" (quota exceeded after making vm) and left no host`,
    );
    expect(err.suggestions).toEqual(['remove it with `machine rm dev1`, then create it again with `machine create --driver fake dev1`']);
    expect(w.cloud.calls).not.toContain(operation);
    expect(w.clock.sleeps).toEqual([]);
  });
});
