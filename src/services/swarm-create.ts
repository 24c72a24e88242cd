import type { MachineApp } from './app';
import { OperationError, UsageError, errorMessage } from '../core/errors';
import { type SwarmMemberOutcome, initSwarmOn, joinSwarmOn } from './swarm';

export type { SwarmMemberOutcome } from './swarm';

/**
 * `machine create --swarm-manager` / `--swarm-join MANAGER`: the swarm step after a machine is ready.
 * The manager is checked before anything is made; a swarm step that fails leaves the new machine as
 * it is (ready, in no swarm), and says how to finish by hand.
 */
export async function assertCanJoinAtCreate(app: MachineApp, manager: string): Promise<void> {
  const record = await app.record(manager);
  if (record.swarm?.role !== 'manager') {
    throw new UsageError(`--swarm-join ${manager}: "${manager}" is not a swarm manager`, [`make it one first: machine swarm init ${manager}`]);
  }
}

export async function swarmAtCreate(app: MachineApp, name: string, step: { init: true } | { join: string }): Promise<SwarmMemberOutcome> {
  try {
    if ('init' in step) return await initSwarmOn(app, name);
    const [joined] = await joinSwarmOn(app, [name], { manager: step.join, role: 'worker' });
    if (!joined) throw new OperationError('SWARM_JOIN_FAILED', 'the join answered nothing');
    return joined;
  } catch (err) {
    const command = 'init' in step ? `machine swarm init ${name}` : `machine swarm join ${name} --manager ${step.join}`;
    throw new OperationError('SWARM_AT_CREATE_FAILED', `machine "${name}" was created, but its swarm step failed: ${errorMessage(err)}`, [`finish it with \`${command}\``], err);
  }
}
