import type { MachineApp } from './app';
import { UsageError } from '../core/errors';
import type { SwarmRole } from '../core/machine-record';
import { listNodes } from './swarm-api';
import { memberRecord, membersOf, withReachableManager } from './swarm-members';

/** One node of a swarm as `machine swarm ls` shows it. */
export interface SwarmNodeRow {
  /** The machine this node is, when the store knows it; undefined for a node made elsewhere. */
  machine?: string;
  nodeId: string;
  hostname: string;
  role: SwarmRole;
  leader: boolean;
  availability: string;
  engineVersion: string;
  /** The node's status as the managers see it (ready, down...). */
  state: string;
  /** Whether the managers hear from it: a ready node; for a manager, also reachable in raft. */
  reachable: boolean;
}

export interface SwarmListing {
  clusterId: string;
  /** The manager that answered. */
  manager: string;
  nodes: SwarmNodeRow[];
}

/** The swarm `name` belongs to (by default the only swarm the store knows), as a reachable manager lists it. */
export async function listSwarm(app: MachineApp, name?: string): Promise<SwarmListing> {
  const clusterId = name ? (await memberRecord(app, name)).swarm.clusterId : await onlyCluster(app);
  const byNode = new Map((await membersOf(app, clusterId)).flatMap((r) => (r.swarm ? [[r.swarm.nodeId, r.name] as const] : [])));
  return withReachableManager(
    app,
    clusterId,
    async (manager, target) => {
      const nodes = (await listNodes(target)).map((n): SwarmNodeRow => {
        const machine = byNode.get(n.id);
        return {
          ...(machine ? { machine } : {}),
          nodeId: n.id,
          hostname: n.hostname,
          role: n.role,
          leader: n.leader,
          availability: n.availability,
          engineVersion: n.engineVersion,
          state: n.state,
          reachable: n.state === 'ready' && (n.role !== 'manager' || n.managerReachability === 'reachable'),
        };
      });
      nodes.sort((a, b) => (a.role === b.role ? (a.machine ?? a.hostname).localeCompare(b.machine ?? b.hostname) : a.role === 'manager' ? -1 : 1));
      return { clusterId, manager: manager.name, nodes };
    },
    name ? { preferred: name } : {},
  );
}

/** The manager `docker` should talk to for the swarm `name` is in: a reachable one, `name` itself first. */
export async function reachableManagerName(app: MachineApp, name: string): Promise<string> {
  const record = await memberRecord(app, name);
  return withReachableManager(app, record.swarm.clusterId, async (manager) => manager.name, { preferred: name });
}

async function onlyCluster(app: MachineApp): Promise<string> {
  const clusters = new Set<string>();
  for (const entry of await app.store.entries()) if ('record' in entry && entry.record.swarm) clusters.add(entry.record.swarm.clusterId);
  const [only] = clusters;
  if (only === undefined) throw new UsageError('no machine of this store is in a swarm', ['make one with `machine swarm init NAME`']);
  if (clusters.size > 1) throw new UsageError(`this store's machines are in ${clusters.size} swarms: name one of their machines`, ['machine swarm ls NAME']);
  return only;
}
