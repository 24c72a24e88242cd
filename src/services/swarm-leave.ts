import type { MachineApp } from './app';
import { MachineError, OperationError, errorMessage } from '../core/errors';
import type { MachineRecord } from '../core/machine-record';
import { pollUntil } from '../util/wait';
import { withEngineTarget } from './engine-access';
import { type SwarmNode, leaveSwarm, listNodes, removeNode, runningTasksOn, swarmInfo, updateNode } from './swarm-api';
import { memberRecord, membersOf, withReachableManager } from './swarm-members';

/**
 * Taking a machine out of its swarm the way an operator would: drain it (its tasks start elsewhere),
 * leave, then remove its node from the cluster's list. A manager goes only when the managers left keep
 * quorum; it is demoted first, so raft shrinks by one cleanly. The only manager with nodes that depend
 * on it is refused unless forced (forcing leaves those nodes without a manager).
 */

export interface LeaveOptions {
  force: boolean;
  /** How long the drain may take before leaving anyway. */
  drainTimeoutMs?: number;
}

export interface LeaveOutcome {
  name: string;
  /** What happened, step by step, for the user. */
  notes: string[];
  ms: number;
}

const DRAIN_TIMEOUT_MS = 180_000;
const POLL_MS = 1_000;

export async function leaveSwarmOf(app: MachineApp, name: string, options: LeaveOptions): Promise<LeaveOutcome> {
  const started = Date.now();
  const record = await memberRecord(app, name);
  const { clusterId, nodeId } = record.swarm;
  const notes: string[] = [];

  // The cluster as a manager other than this machine sees it (this one when it is the only one left).
  const readNodes = (choice: { exclude: string[] } | { preferred: string }) => withReachableManager(app, clusterId, (_m, t) => listNodes(t), choice);
  let nodes: SwarmNode[] | undefined;
  try {
    nodes = await readNodes({ exclude: [name] }).catch((err: unknown) => {
      if (record.swarm.role !== 'manager') throw err;
      return readNodes({ preferred: name });
    });
  } catch (err) {
    if (!options.force) throw err;
  }

  const others = nodes?.filter((n) => n.id !== nodeId) ?? [];
  const self = nodes?.find((n) => n.id === nodeId);
  const isManager = self ? self.role === 'manager' : record.swarm.role === 'manager';
  const otherManagers = others.filter((n) => n.role === 'manager');

  const refusal = isManager ? managerRefusal(name, others, otherManagers) : undefined;
  if (isManager) {
    if (refusal && !options.force) throw new OperationError('SWARM_QUORUM', refusal, [`or leave anyway with --force (${others.length > 0 ? 'the nodes left lose their manager' : 'the swarm ends'})`]);
    if (refusal) notes.push(`forced: ${refusal}`);
    if (otherManagers.length > 0 && !refusal) {
      await withReachableManager(app, clusterId, (_m, t) => updateNode(t, nodeId, { Role: 'worker' }), { exclude: [name] });
      await waitUntilDemoted(app, record);
      notes.push('demoted to worker');
    }
  }

  // Another manager drains this node and removes it afterwards; the only manager has none to do it.
  const viaOtherManager = otherManagers.length > 0 || !isManager;
  if (nodes && viaOtherManager && others.length > 0) {
    const drained = await drain(app, clusterId, nodeId, [name], options.drainTimeoutMs ?? DRAIN_TIMEOUT_MS).catch((err: unknown) => {
      if (!options.force) throw err;
      return `drain failed (${errorMessage(err)})`;
    });
    notes.push(drained);
  }

  // A refusal that got this far was forced: the machine was not demoted.
  const stillManager = isManager && (otherManagers.length === 0 || refusal !== undefined);
  await withEngineTarget(app, record, (t) => leaveSwarm(t, stillManager || options.force)).then(
    () => notes.push('left the swarm'),
    (err: unknown) => {
      if (!options.force) throw leaveFailed(name, err);
      notes.push(`could not reach its engine to leave (${errorMessage(err)}); forced on`);
    },
  );

  if (nodes && viaOtherManager) {
    await withReachableManager(app, clusterId, (_m, t) => removeNode(t, nodeId), { exclude: [name] }).then(
      () => notes.push(`node ${nodeId.slice(0, 12)} removed from the swarm`),
      (err: unknown) => {
        if (!options.force) throw err;
        notes.push(`its node could not be removed from the swarm: ${errorMessage(err)}`);
      },
    );
  }
  await app.store.update(name, (r) => delete r.swarm);
  // The last member out closes the swarm ports its driver opened (a cloud firewall's group rules).
  if ((await membersOf(app, clusterId)).length === 0) {
    const closed = await app.driverFor(record).then((d) => d.closeSwarmPorts?.() ?? []).catch((err: unknown) => [`could not close the swarm ports: ${errorMessage(err)}`]);
    notes.push(...closed);
  }
  return { name, notes, ms: Date.now() - started };
}

/** Why this manager may not go, or undefined when the managers left keep quorum (or nothing depends on it). */
function managerRefusal(name: string, others: SwarmNode[], otherManagers: SwarmNode[]): string | undefined {
  if (otherManagers.length === 0) {
    if (others.length === 0) return undefined;
    return `"${name}" is the only manager of its swarm and ${others.length} node${others.length === 1 ? '' : 's'} depend${others.length === 1 ? 's' : ''} on it: make another node a manager first (machine swarm join NAME --manager ${name} --role manager), or remove the workers first`;
  }
  const reachable = otherManagers.filter((m) => m.managerReachability === 'reachable').length;
  // After this manager is demoted, raft has otherManagers.length members and needs a majority of them.
  if (reachable * 2 > otherManagers.length) return undefined;
  return `without "${name}" the swarm keeps ${otherManagers.length} manager${otherManagers.length === 1 ? '' : 's'} of which only ${reachable} ${reachable === 1 ? 'is' : 'are'} reachable: no quorum`;
}

async function waitUntilDemoted(app: MachineApp, record: MachineRecord): Promise<void> {
  const demoted = await pollUntil(() => withEngineTarget(app, record, async (t) => ((await swarmInfo(t)).controlAvailable ? undefined : true)).catch(() => undefined), {
    timeoutMs: 60_000,
    intervalMs: POLL_MS,
  });
  if (!demoted) throw new OperationError('SWARM_DEMOTE_TIMEOUT', `"${record.name}" was still a manager 60s after its demotion was asked`);
}

/** Sets the node to drain and waits until none of its tasks runs; answers a note with the time taken. */
async function drain(app: MachineApp, clusterId: string, nodeId: string, exclude: readonly string[], timeoutMs: number): Promise<string> {
  const started = Date.now();
  await withReachableManager(app, clusterId, (_m, t) => updateNode(t, nodeId, { Availability: 'drain' }), { exclude });
  const empty = await pollUntil(
    () => withReachableManager(app, clusterId, async (_m, t) => ((await runningTasksOn(t, nodeId)) === 0 ? true : undefined), { exclude }).catch(() => undefined),
    { timeoutMs, intervalMs: POLL_MS },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  return empty ? `drained in ${seconds}s` : `still had running tasks after ${seconds}s of draining; left anyway`;
}

function leaveFailed(name: string, err: unknown): MachineError {
  return new OperationError('SWARM_LEAVE_FAILED', `"${name}" could not leave its swarm: ${errorMessage(err)}`, [`start it (\`machine start ${name}\`) and try again, or use --force`], err);
}
