import type { MachineApp } from './app';
import { OperationError, UsageError, errorMessage } from '../core/errors';
import type { MachineRecord } from '../core/machine-record';
import type { EngineTarget } from '../engine/engine-client';
import { withEngineTarget } from './engine-access';
import { swarmInfo } from './swarm-api';

/**
 * Which machines of the store belong to which swarm, and how to reach one of its managers. The store's
 * records say who was made a member by `machine swarm`; the engines say who is a manager right now.
 */

/** Every readable record that says it is in swarm `clusterId`, managers first. */
export async function membersOf(app: MachineApp, clusterId: string): Promise<MachineRecord[]> {
  const entries = await app.store.entries();
  const members = entries.flatMap((e) => ('record' in e && e.record.swarm?.clusterId === clusterId ? [e.record] : []));
  return members.sort((a, b) => (a.swarm?.role === b.swarm?.role ? a.name.localeCompare(b.name) : a.swarm?.role === 'manager' ? -1 : 1));
}

/** The named machine, which must be a swarm member by its record. */
export async function memberRecord(app: MachineApp, name: string): Promise<MachineRecord & { swarm: NonNullable<MachineRecord['swarm']> }> {
  const record = await app.record(name);
  if (!record.swarm) throw new UsageError(`machine "${name}" is in no swarm that machine knows of`, [`make it one with \`machine swarm init ${name}\` or \`machine swarm join ${name} --manager MANAGER\``]);
  return record as MachineRecord & { swarm: NonNullable<MachineRecord['swarm']> };
}

/**
 * Runs `use` against a manager of `clusterId` that answers as one (control available, same cluster),
 * trying `preferred` first, then the other managers the store knows. Machines in `exclude` are skipped.
 */
export async function withReachableManager<T>(
  app: MachineApp,
  clusterId: string,
  use: (manager: MachineRecord, target: EngineTarget) => Promise<T>,
  options: { preferred?: string; exclude?: readonly string[] } = {},
): Promise<T> {
  const members = await membersOf(app, clusterId);
  const candidates = members.filter((m) => m.swarm?.role === 'manager' && !(options.exclude ?? []).includes(m.name));
  candidates.sort((a, b) => Number(b.name === options.preferred) - Number(a.name === options.preferred));
  const tried: string[] = [];
  for (const manager of candidates) {
    // An unreachable manager is a fact to report if none answers, not a failure of the whole command;
    // once a manager answered as one, whatever fails is the command's.
    let answered = false;
    try {
      return await withEngineTarget(app, manager, async (target) => {
        const info = await swarmInfo(target);
        if (!info.controlAvailable || info.clusterId !== clusterId) throw new NotManagerNow(manager.name);
        answered = true;
        return use(manager, target);
      });
    } catch (err) {
      if (answered) throw err;
      tried.push(err instanceof NotManagerNow ? err.message : `${manager.name}: ${errorMessage(err)}`);
    }
  }
  throw new OperationError('SWARM_NO_MANAGER', `no manager of swarm ${clusterId.slice(0, 12)} answers${tried.length > 0 ? ` (${tried.join('; ')})` : ' (the store knows none)'}`, [
    'start a manager (`machine start NAME`), or check `machine swarm ls`',
  ]);
}

/** A manager by its record that answers, but not as a manager of this swarm (demoted, or another swarm). */
class NotManagerNow extends Error {
  constructor(name: string) {
    super(`${name}: not a manager of this swarm now`);
  }
}

/**
 * The address a node advertises to its peers: what the user gave, else the driver's cluster address
 * (a cloud's private address, a QEMU machine's `--qemu-network` address), else the machine's address
 * when peers can reach it. A loopback address reaches nobody but the node itself.
 */
export async function advertiseAddressOf(app: MachineApp, record: MachineRecord, given?: string): Promise<string> {
  if (given) return given;
  const driver = await app.driverFor(record);
  const address = (await driver.clusterAddress?.()) ?? record.ip;
  if (!address || isLoopback(address)) {
    throw new OperationError('SWARM_NO_CLUSTER_ADDRESS', `machine "${record.name}" has no address its swarm peers can reach (${address ?? 'none'} is its only one)`, [
      record.driver === 'qemu' ? 'create QEMU machines on a shared network: --qemu-network NAME' : 'give the address to advertise with --advertise-addr',
    ]);
  }
  return address;
}

function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || address === 'localhost';
}
