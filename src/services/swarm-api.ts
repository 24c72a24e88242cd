import { OperationError } from '../core/errors';
import type { SwarmRole } from '../core/machine-record';
import type { EngineTarget } from '../engine/engine-client';

/**
 * The engine's swarm endpoints, typed for what `machine swarm` reads and sends. Join tokens pass
 * through memory only: they are never logged, printed, put in an error message or stored.
 * engine-client loads lazily (it brings https): `machine env` must not pay for swarm's imports.
 */
export const SWARM_PORT = 2377;

/** Swarm calls wait on raft and certificate issuance, which take seconds on a slow (emulated) host. */
const SWARM_CALL_MS = 120_000;
const QUICK_CALL_MS = 30_000;

export interface SwarmInfo {
  /** inactive, pending, active, error, locked */
  localNodeState: string;
  nodeId: string;
  /** The address this node advertises (without port). */
  nodeAddr: string;
  /** Whether this node is a manager that can answer cluster questions. */
  controlAvailable: boolean;
  clusterId?: string;
  /** Managers' addresses as host:port. */
  remoteManagers: string[];
}

export interface SwarmNode {
  id: string;
  version: number;
  /** The node's spec as the engine has it: sent back whole, with one field changed, on update. */
  spec: Record<string, unknown>;
  role: SwarmRole;
  availability: string;
  hostname: string;
  engineVersion: string;
  /** ready, down, unknown, disconnected */
  state: string;
  addr: string;
  /** Managers only: reachable, unreachable, unknown. */
  managerReachability?: string;
  leader: boolean;
}

export interface InitRequest {
  advertiseAddr: string;
  defaultAddrPool?: string[];
}

async function call(target: EngineTarget, path: string, what: string, options: { method?: 'GET' | 'POST' | 'DELETE'; json?: unknown; timeoutMs?: number } = {}): Promise<unknown> {
  const { engineRequest } = await import('../engine/engine-client');
  const response = await engineRequest(target, path, { timeoutMs: options.timeoutMs ?? QUICK_CALL_MS, ...(options.method ? { method: options.method } : {}), ...(options.json !== undefined ? { json: options.json } : {}) });
  if (response.status < 200 || response.status >= 300) {
    throw new OperationError('SWARM_API', `${what} on ${target.machineName ?? 'the engine'} failed (${response.status}): ${engineMessage(response.body)}`);
  }
  if (response.body.trim() === '') return undefined;
  try {
    return JSON.parse(response.body) as unknown;
  } catch {
    return response.body;
  }
}

/** The engine's `{"message": ...}`, or the start of whatever it answered. */
function engineMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: shown as it is, cut short
  }
  return body.trim().slice(0, 200);
}

const obj = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

export async function swarmInfo(target: EngineTarget): Promise<SwarmInfo> {
  const swarm = obj(obj(await call(target, '/info', 'reading the engine\'s swarm state')).Swarm);
  const clusterId = str(obj(swarm.Cluster).ID);
  const remote = Array.isArray(swarm.RemoteManagers) ? swarm.RemoteManagers.map((m) => str(obj(m).Addr)).filter((a) => a !== '') : [];
  return {
    localNodeState: str(swarm.LocalNodeState) || 'inactive',
    nodeId: str(swarm.NodeID),
    nodeAddr: str(swarm.NodeAddr),
    controlAvailable: swarm.ControlAvailable === true,
    ...(clusterId ? { clusterId } : {}),
    remoteManagers: remote,
  };
}

/** Makes the engine the first manager of a new swarm; answers its node ID. */
export async function initSwarm(target: EngineTarget, request: InitRequest): Promise<string> {
  const body = {
    ListenAddr: `0.0.0.0:${SWARM_PORT}`,
    AdvertiseAddr: `${request.advertiseAddr}:${SWARM_PORT}`,
    ...(request.defaultAddrPool && request.defaultAddrPool.length > 0 ? { DefaultAddrPool: request.defaultAddrPool, SubnetSize: 24 } : {}),
  };
  return str(await call(target, '/swarm/init', 'swarm init', { method: 'POST', json: body, timeoutMs: SWARM_CALL_MS }));
}

/** The swarm's join token for `role`, read from a manager. Only ever handed straight to joinSwarm. */
export async function joinToken(manager: EngineTarget, role: SwarmRole): Promise<string> {
  const tokens = obj(obj(await call(manager, '/swarm', 'reading the swarm')).JoinTokens);
  const token = str(role === 'manager' ? tokens.Manager : tokens.Worker);
  if (!token) throw new OperationError('SWARM_NO_TOKEN', `the manager ${manager.machineName ?? ''} answered no ${role} join token`);
  return token;
}

export async function joinSwarm(target: EngineTarget, request: { advertiseAddr: string; remoteAddrs: string[]; token: string }): Promise<void> {
  const body = { ListenAddr: `0.0.0.0:${SWARM_PORT}`, AdvertiseAddr: `${request.advertiseAddr}:${SWARM_PORT}`, RemoteAddrs: request.remoteAddrs, JoinToken: request.token };
  await call(target, '/swarm/join', 'swarm join', { method: 'POST', json: body, timeoutMs: SWARM_CALL_MS });
}

export async function leaveSwarm(target: EngineTarget, force: boolean): Promise<void> {
  await call(target, `/swarm/leave${force ? '?force=true' : ''}`, 'swarm leave', { method: 'POST', timeoutMs: SWARM_CALL_MS });
}

export async function listNodes(manager: EngineTarget): Promise<SwarmNode[]> {
  const nodes = await call(manager, '/nodes', 'listing the swarm\'s nodes');
  return Array.isArray(nodes) ? nodes.map(toNode) : [];
}

async function inspectNode(manager: EngineTarget, id: string): Promise<SwarmNode> {
  return toNode(await call(manager, `/nodes/${encodeURIComponent(id)}`, `reading node ${id}`));
}

/** Changes one field of a node's spec (its availability or role), at the version read just before. */
export async function updateNode(manager: EngineTarget, id: string, change: { Availability?: 'active' | 'pause' | 'drain'; Role?: SwarmRole }): Promise<void> {
  const node = await inspectNode(manager, id);
  await call(manager, `/nodes/${encodeURIComponent(id)}/update?version=${node.version}`, `updating node ${id}`, { method: 'POST', json: { ...node.spec, ...change } });
}

export async function removeNode(manager: EngineTarget, id: string): Promise<void> {
  await call(manager, `/nodes/${encodeURIComponent(id)}?force=true`, `removing node ${id}`, { method: 'DELETE' });
}

/** How many of the node's tasks are still running (what a drain waits for). */
export async function runningTasksOn(manager: EngineTarget, nodeId: string): Promise<number> {
  const filters = encodeURIComponent(JSON.stringify({ node: [nodeId], 'desired-state': ['running'] }));
  const tasks = await call(manager, `/tasks?filters=${filters}`, `listing the tasks of node ${nodeId}`);
  return Array.isArray(tasks) ? tasks.filter((t) => str(obj(obj(t).Status).State) === 'running').length : 0;
}

function toNode(value: unknown): SwarmNode {
  const node = obj(value);
  const spec = obj(node.Spec);
  const description = obj(node.Description);
  const status = obj(node.Status);
  const manager = node.ManagerStatus === undefined ? undefined : obj(node.ManagerStatus);
  const index = obj(node.Version).Index;
  return {
    id: str(node.ID),
    version: typeof index === 'number' ? index : 0,
    spec,
    role: str(spec.Role) === 'manager' ? 'manager' : 'worker',
    availability: str(spec.Availability),
    hostname: str(description.Hostname),
    engineVersion: str(obj(description.Engine).EngineVersion),
    state: str(status.State),
    addr: str(status.Addr),
    ...(manager ? { managerReachability: str(manager.Reachability) } : {}),
    leader: manager?.Leader === true,
  };
}
