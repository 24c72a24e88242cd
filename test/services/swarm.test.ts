import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MachineError } from '../../src/core/errors';
import { MachineApp } from '../../src/services/app';
import { removeMachine } from '../../src/services/remove-machine';
import { initSwarmOn, joinSwarmOn } from '../../src/services/swarm';
import { leaveSwarmOf } from '../../src/services/swarm-leave';
import { listSwarm, reachableManagerName } from '../../src/services/swarm-list';
import { assertCanJoinAtCreate, swarmAtCreate } from '../../src/services/swarm-create';
import { makeTempDir } from '../helpers/tmp-store';
import { rejectionOf } from '../helpers/rejection';
import { FakeSwarm, MANAGER_TOKEN, WORKER_TOKEN } from './fakes/fake-swarm';

/**
 * The swarm services against engines that speak the engine API over mutual TLS (FakeSwarm): what
 * they ask each engine, what the records keep, and what they refuse. The e2e test runs a real swarm.
 */
describe('swarm services', () => {
  let swarm: FakeSwarm;
  let app: MachineApp;
  let store: string;

  beforeEach(async () => {
    store = await makeTempDir('swarm-');
    app = new MachineApp(store);
    swarm = await FakeSwarm.start();
    await swarm.addMachine(app, 'm1', '10.0.0.1');
    await swarm.addMachine(app, 'w1', '10.0.0.2');
    await swarm.addMachine(app, 'w2', '10.0.0.3');
  });
  afterEach(() => swarm.close());

  const storeText = async (): Promise<string> => {
    const names = await fs.readdir(path.join(store, 'machines'));
    return (await Promise.all(names.map((n) => fs.readFile(path.join(store, 'machines', n, 'config.json'), 'utf8')))).join('\n');
  };
  const formed = async () => {
    const manager = await initSwarmOn(app, 'm1');
    const workers = await joinSwarmOn(app, ['w1', 'w2'], { manager: 'm1', role: 'worker' });
    return { manager, workers };
  };

  it('reaching a manager: one that is down and one whose engine is no manager are skipped, each with its reason', async () => {
    await formed();
    // w1's record now claims a manager's role, which its engine does not have; m1's engine stops.
    await app.store.update('w1', (r) => (r.swarm = { role: 'manager', clusterId: swarm.clusterId ?? '', nodeId: swarm.nodeOf('w1')?.id ?? '' }));
    await swarm.stopEngine('m1');
    const err = await rejectionOf(reachableManagerName(app, 'm1'), MachineError);
    expect(err.message).toMatch(/^no manager of swarm \S+ answers \(m1: .+; w1: not a manager of this swarm now\)$/);
  });

  it('init then join: each engine told over its own connection, records keep role, cluster and node, tokens go nowhere else', async () => {
    const { manager, workers } = await formed();
    expect(manager).toMatchObject({ name: 'm1', role: 'manager', clusterId: swarm.clusterId, advertiseAddr: '10.0.0.1' });
    expect(swarm.calls.find((c) => c.path === '/swarm/init')?.body).toEqual({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: '10.0.0.1:2377' });
    const joins = swarm.calls.filter((c) => c.path === '/swarm/join');
    expect(joins.map((c) => [c.machine, c.body])).toEqual([
      ['w1', { ListenAddr: '0.0.0.0:2377', AdvertiseAddr: '10.0.0.2:2377', RemoteAddrs: ['10.0.0.1:2377'], JoinToken: WORKER_TOKEN }],
      ['w2', { ListenAddr: '0.0.0.0:2377', AdvertiseAddr: '10.0.0.3:2377', RemoteAddrs: ['10.0.0.1:2377'], JoinToken: WORKER_TOKEN }],
    ]);
    expect(workers.map((w) => [w.name, w.role, w.nodeId])).toEqual([
      ['w1', 'worker', swarm.nodeOf('w1')?.id],
      ['w2', 'worker', swarm.nodeOf('w2')?.id],
    ]);
    expect((await app.store.load('m1')).swarm).toEqual({ role: 'manager', clusterId: swarm.clusterId, nodeId: swarm.nodeOf('m1')?.id });
    expect((await app.store.load('w2')).swarm).toEqual({ role: 'worker', clusterId: swarm.clusterId, nodeId: swarm.nodeOf('w2')?.id });
    const said = JSON.stringify({ manager, workers }) + (await storeText());
    expect(said).not.toContain(WORKER_TOKEN);
    expect(said).not.toContain('SWMTKN');
  });

  it('joins as managers with the manager token; init takes --advertise-addr and address pools', async () => {
    await initSwarmOn(app, 'm1', { advertiseAddr: '192.0.2.10', defaultAddrPool: ['10.20.0.0/16'] });
    expect(swarm.calls.find((c) => c.path === '/swarm/init')?.body).toEqual({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: '192.0.2.10:2377', DefaultAddrPool: ['10.20.0.0/16'], SubnetSize: 24 });
    await joinSwarmOn(app, ['w1'], { manager: 'm1', role: 'manager' });
    expect(swarm.calls.find((c) => c.path === '/swarm/join')?.body).toMatchObject({ RemoteAddrs: ['192.0.2.10:2377'], JoinToken: MANAGER_TOKEN });
    expect(swarm.nodeOf('w1')?.role).toBe('manager');
  });

  it('refuses what cannot work before asking any engine: a member twice, a worker as --manager, a loopback-only machine', async () => {
    await formed();
    expect(await rejectionOf(initSwarmOn(app, 'w1'), MachineError)).toMatchObject({ code: 'USAGE', message: expect.stringMatching(/already a worker of swarm/) });
    await swarm.addMachine(app, 'x', '10.0.0.9');
    expect(await rejectionOf(joinSwarmOn(app, ['x'], { manager: 'w1', role: 'worker' }), MachineError)).toMatchObject({ code: 'USAGE', message: expect.stringMatching(/"w1" is a worker, not a manager/) });
    await swarm.addMachine(app, 'local', '127.0.0.1');
    expect(await rejectionOf(joinSwarmOn(app, ['local'], { manager: 'm1', role: 'worker' }), MachineError)).toMatchObject({ code: 'SWARM_NO_CLUSTER_ADDRESS' });
    expect(swarm.callsTo('local')).toEqual([]);
  });

  it('swarm ls lists the nodes as the manager sees them, named by machine; env/use pick a reachable manager', async () => {
    await formed();
    const listing = await listSwarm(app);
    expect(listing.manager).toBe('m1');
    expect(listing.nodes.map((n) => [n.machine, n.role, n.availability, n.state, n.engineVersion, n.reachable])).toEqual([
      ['m1', 'manager', 'active', 'ready', '27.3.1', true],
      ['w1', 'worker', 'active', 'ready', '27.3.1', true],
      ['w2', 'worker', 'active', 'ready', '27.3.1', true],
    ]);
    expect(await reachableManagerName(app, 'w2')).toBe('m1');
  });

  it('a manager whose engine is down is passed over for one that answers', async () => {
    await formed();
    // m2 joins as a second manager, then m1's host goes down.
    await swarm.addMachine(app, 'm2', '10.0.0.4');
    await joinSwarmOn(app, ['m2'], { manager: 'm1', role: 'manager' });
    await swarm.stopEngine('m1');
    expect(await reachableManagerName(app, 'w1')).toBe('m2');
    const listing = await listSwarm(app, 'w1');
    expect(listing.manager).toBe('m2');
    expect(listing.nodes.find((n) => n.machine === 'm1')).toMatchObject({ state: 'down', reachable: false });
  });

  it('leave of a worker: drain through a manager, wait for its tasks to move, leave, remove the node, forget the membership', async () => {
    await formed();
    swarm.runTasks('w2', 2);
    const outcome = await leaveSwarmOf(app, 'w2', { force: false });
    expect(outcome.notes).toEqual([expect.stringMatching(/^drained in \d+\.\ds$/), 'left the swarm', expect.stringMatching(/^node \w{12} removed from the swarm$/)]);
    const managerCalls = swarm.callsTo('m1').filter((c) => !c.startsWith('GET /info'));
    expect(managerCalls).toEqual(
      expect.arrayContaining([expect.stringMatching(/^POST \/nodes\/\w+\/update\?version=1$/), expect.stringMatching(/^GET \/tasks\?filters=/), expect.stringMatching(/^DELETE \/nodes\/\w+\?force=true$/)]),
    );
    expect(swarm.calls.find((c) => c.path.includes('/update'))?.body).toMatchObject({ Availability: 'drain', Role: 'worker' });
    expect(swarm.callsTo('w2')).toContain('POST /swarm/leave');
    expect(swarm.nodeOf('w2')).toBeUndefined();
    expect((swarm.nodeOf('m1')?.tasks ?? 0) + (swarm.nodeOf('w1')?.tasks ?? 0)).toBe(2);
    expect((await app.store.load('w2')).swarm).toBeUndefined();
    expect((await app.store.load('w1')).swarm?.role).toBe('worker');
  });

  it('the only manager with workers is refused, saying why, and nothing is asked to change; --force leaves anyway', async () => {
    await formed();
    const before = swarm.calls.length;
    const refused = await rejectionOf(leaveSwarmOf(app, 'm1', { force: false }), MachineError);
    expect(refused).toMatchObject({ code: 'SWARM_QUORUM', message: '"m1" is the only manager of its swarm and 2 nodes depend on it: make another node a manager first (machine swarm join NAME --manager m1 --role manager), or remove the workers first' });
    expect(swarm.calls.slice(before).filter((c) => c.method !== 'GET')).toEqual([]);
    expect((await app.store.load('m1')).swarm?.role).toBe('manager');

    const forced = await leaveSwarmOf(app, 'm1', { force: true });
    expect(forced.notes[0]).toMatch(/^forced: "m1" is the only manager/);
    expect(swarm.callsTo('m1')).toContain('POST /swarm/leave?force=true');
    expect((await app.store.load('m1')).swarm).toBeUndefined();
  });

  it('a manager with another reachable manager is demoted first, then leaves like a worker', async () => {
    await formed();
    await swarm.addMachine(app, 'm2', '10.0.0.4');
    await joinSwarmOn(app, ['m2'], { manager: 'm1', role: 'manager' });
    await swarm.addMachine(app, 'm3', '10.0.0.5');
    await joinSwarmOn(app, ['m3'], { manager: 'm1', role: 'manager' });
    const outcome = await leaveSwarmOf(app, 'm1', { force: false });
    expect(outcome.notes).toEqual(['demoted to worker', expect.stringMatching(/^drained in/), 'left the swarm', expect.stringMatching(/removed from the swarm$/)]);
    const updates = swarm.calls.filter((c) => c.path.includes('/update')).map((c) => [c.machine, (c.body as { Role?: string; Availability?: string })]);
    expect(updates[0]?.[1]).toMatchObject({ Role: 'worker' });
    expect(updates.every(([machine]) => machine !== 'm1')).toBe(true);
    expect(swarm.callsTo('m1')).toContain('POST /swarm/leave');
    expect(swarm.nodeOf('m1')).toBeUndefined();
  });

  it('a manager whose leaving breaks quorum is refused', async () => {
    await formed();
    await swarm.addMachine(app, 'm2', '10.0.0.4');
    await joinSwarmOn(app, ['m2'], { manager: 'm1', role: 'manager' });
    await swarm.addMachine(app, 'm3', '10.0.0.5');
    await joinSwarmOn(app, ['m3'], { manager: 'm1', role: 'manager' });
    await swarm.stopEngine('m3');
    expect(await rejectionOf(leaveSwarmOf(app, 'm1', { force: false }), MachineError)).toMatchObject({ code: 'SWARM_QUORUM', message: 'without "m1" the swarm keeps 2 managers of which only 1 is reachable: no quorum' });
  });

  it('machine rm leaves first: a worker goes with its node; the only manager with workers is refused and kept', async () => {
    await formed();
    const removed = await removeMachine(app, 'w1', false);
    expect(removed.notes).toEqual(expect.arrayContaining(['swarm: left the swarm']));
    expect(swarm.nodeOf('w1')).toBeUndefined();
    expect(await app.store.exists('w1')).toBe(false);

    expect(await rejectionOf(removeMachine(app, 'm1', false), MachineError)).toMatchObject({ code: 'SWARM_QUORUM', message: expect.stringMatching(/only manager of its swarm and 1 node depends on it/) });
    expect(await app.store.exists('m1')).toBe(true);
    expect(swarm.nodeOf('m1')?.state).toBe('ready');
  });

  it('machine rm --force of a member whose engine is down still removes it, saying what it could not do', async () => {
    await formed();
    await swarm.stopEngine('w2');
    const removed = await removeMachine(app, 'w2', true);
    expect(removed.notes.join('\n')).toMatch(/swarm: could not reach its engine to leave/);
    expect(swarm.nodeOf('w2')).toBeUndefined();
    expect(await app.store.exists('w2')).toBe(false);
  });

  it('create --swarm-manager / --swarm-join: the manager is checked before anything is made; a failed step keeps the machine and says how to finish', async () => {
    expect(await rejectionOf(assertCanJoinAtCreate(app, 'm1'), MachineError)).toMatchObject({ code: 'USAGE', message: '--swarm-join m1: "m1" is not a swarm manager' });
    expect(await swarmAtCreate(app, 'm1', { init: true })).toMatchObject({ role: 'manager', clusterId: swarm.clusterId });
    await assertCanJoinAtCreate(app, 'm1');
    expect(await swarmAtCreate(app, 'w1', { join: 'm1' })).toMatchObject({ name: 'w1', role: 'worker' });
    await swarm.stopEngine('w2');
    const failed = await rejectionOf(swarmAtCreate(app, 'w2', { join: 'm1' }), MachineError);
    expect(failed).toMatchObject({ code: 'SWARM_AT_CREATE_FAILED', suggestions: ['finish it with `machine swarm join w2 --manager m1`'] });
    expect(failed.message).toMatch(/^machine "w2" was created, but its swarm step failed: /);
    expect((await app.store.load('w2')).swarm).toBeUndefined();
  });
});
