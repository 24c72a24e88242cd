import type { MachineApp } from './app';
import { OperationError, UsageError } from '../core/errors';
import type { MachineRecord, SwarmRole } from '../core/machine-record';
import type { EngineTarget } from '../engine/engine-client';
import { withEngineTarget } from './engine-access';
import { SWARM_PORT, initSwarm, joinSwarm, joinToken, swarmInfo } from './swarm-api';
import { advertiseAddressOf, memberRecord, withReachableManager } from './swarm-members';

/**
 * `machine swarm init` and `join`: each machine's engine is told over its own mutual TLS (or SSH
 * tunnel) connection, and its record keeps role, cluster ID and node ID, which `ls`, `rm` and the other
 * swarm commands read. Join tokens go from the manager's answer to the joiner's request and nowhere else.
 */

export interface SwarmMemberOutcome {
  name: string;
  role: SwarmRole;
  clusterId: string;
  nodeId: string;
  advertiseAddr: string;
  /** Wall time of the engine calls for this machine. */
  ms: number;
  /** What the driver did about the swarm ports (a cloud firewall's rules), if anything. */
  notes: string[];
}

export interface InitOptions {
  advertiseAddr?: string;
  defaultAddrPool?: string[];
}

export async function initSwarmOn(app: MachineApp, name: string, options: InitOptions = {}): Promise<SwarmMemberOutcome> {
  const started = Date.now();
  const record = notYetMember(await app.record(name));
  const advertiseAddr = await advertiseAddressOf(app, record, options.advertiseAddr);
  const notes = await openSwarmPorts(app, record);
  const membership = await withEngineTarget(app, record, async (target) => {
    await assertNotInSwarm(target, name);
    const nodeId = await initSwarm(target, { advertiseAddr, ...(options.defaultAddrPool ? { defaultAddrPool: options.defaultAddrPool } : {}) });
    const info = await swarmInfo(target);
    if (!info.clusterId) throw new OperationError('SWARM_INIT_FAILED', `swarm init on "${name}" answered, but its engine reports no cluster`);
    return { role: 'manager' as const, clusterId: info.clusterId, nodeId: nodeId || info.nodeId };
  });
  await app.store.update(name, (r) => (r.swarm = membership));
  return { name, ...membership, advertiseAddr, ms: Date.now() - started, notes };
}

export interface JoinOptions {
  manager: string;
  role: SwarmRole;
  /** Each machine's outcome as it comes (joins go one at a time: raft takes members one by one). */
  onJoined?: (outcome: SwarmMemberOutcome) => void;
}

/** Joins each named machine in turn; stops at the first that fails (those before it stay members). */
export async function joinSwarmOn(app: MachineApp, names: readonly string[], options: JoinOptions): Promise<SwarmMemberOutcome[]> {
  const manager = await memberRecord(app, options.manager);
  if (manager.swarm.role !== 'manager') throw new UsageError(`machine "${options.manager}" is a worker, not a manager`, ['name a manager with --manager (see `machine swarm ls`)']);
  const records: MachineRecord[] = [];
  for (const name of names) records.push(notYetMember(await app.record(name)));
  const outcomes: SwarmMemberOutcome[] = [];
  for (const record of records) {
    const outcome = await joinOne(app, record, manager.swarm.clusterId, options);
    options.onJoined?.(outcome);
    outcomes.push(outcome);
  }
  return outcomes;
}

async function joinOne(app: MachineApp, record: MachineRecord, clusterId: string, options: JoinOptions): Promise<SwarmMemberOutcome> {
  const started = Date.now();
  const advertiseAddr = await advertiseAddressOf(app, record);
  const notes = await openSwarmPorts(app, record);
  const { token, remoteAddrs } = await withReachableManager(
    app,
    clusterId,
    async (_manager, target) => {
      const info = await swarmInfo(target);
      const remote = info.remoteManagers.length > 0 ? info.remoteManagers : [`${info.nodeAddr}:${SWARM_PORT}`];
      return { token: await joinToken(target, options.role), remoteAddrs: remote };
    },
    { preferred: options.manager },
  );
  const membership = await withEngineTarget(app, record, async (target) => {
    await assertNotInSwarm(target, record.name);
    await joinSwarm(target, { advertiseAddr, remoteAddrs, token });
    const info = await swarmInfo(target);
    if (info.clusterId !== undefined && info.clusterId !== clusterId) throw new OperationError('SWARM_JOIN_FAILED', `"${record.name}" joined swarm ${info.clusterId}, not ${clusterId}`);
    if (!info.nodeId) throw new OperationError('SWARM_JOIN_FAILED', `swarm join on "${record.name}" answered, but its engine reports no node ID`);
    return { role: options.role, clusterId, nodeId: info.nodeId };
  });
  await app.store.update(record.name, (r) => (r.swarm = membership));
  return { name: record.name, ...membership, advertiseAddr, ms: Date.now() - started, notes };
}

/** The record, when it names no swarm: a member must leave before it can init or join one. */
function notYetMember(record: MachineRecord): MachineRecord {
  if (record.swarm) throw new UsageError(`machine "${record.name}" is already a ${record.swarm.role} of swarm ${record.swarm.clusterId}`, [`leave it first: machine swarm leave ${record.name}`]);
  return record;
}

/** Before the engine is asked: its peers must be let through the driver's firewall first. */
async function openSwarmPorts(app: MachineApp, record: MachineRecord): Promise<string[]> {
  const driver = await app.driverFor(record);
  return (await driver.openSwarmPorts?.()) ?? [];
}

async function assertNotInSwarm(target: EngineTarget, name: string): Promise<void> {
  const info = await swarmInfo(target);
  if (info.localNodeState !== 'inactive') {
    throw new UsageError(`the engine of "${name}" is already in a swarm (state ${info.localNodeState}${info.clusterId ? `, cluster ${info.clusterId}` : ''}) that its record does not name`, [
      `make it leave with \`machine ssh ${name} -- sudo docker swarm leave --force\`, then try again`,
    ]);
  }
}
