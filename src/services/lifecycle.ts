import type { MachineApp } from './app';
import type { Driver, LifecycleOperation } from '../core/driver';
import { NotSupportedError, OperationError } from '../core/errors';
import { engineTransport, type MachineRecord, type MachineState, type SshEndpoint } from '../core/machine-record';
import type { Progress } from './progress';
import { refreshMachineContext } from './docker-context';
import { followSshEndpoint } from './follow-endpoint';
import { refreshSshClientConfig } from './ssh-client-config';
import { provisionMachine } from './provision-machine';
import { waitForEngineReady } from './engine-ready';
import { sshOptionsFor, withSession } from './ssh-access';
import { waitForState } from './wait-state';
import { readIfExists } from '../util/read-if-exists';

const targetState: Record<LifecycleOperation, MachineState> = {
  start: 'Running',
  stop: 'Stopped',
  restart: 'Running',
  kill: 'Stopped',
};

export interface LifecycleOutcome {
  name: string;
  state: MachineState;
  /** True when the machine was already in the wanted state and nothing was done. */
  alreadyThere: boolean;
  certificatesReissued: boolean;
}

/**
 * start/stop/restart/kill with the rules in one place: an operation the driver lacks is a clear
 * NotSupported error; a machine already in the wanted state is success with a notice; after a
 * start or restart, a changed IP gets a new server certificate before anyone connects.
 */
export async function runLifecycle(app: MachineApp, record: MachineRecord, operation: LifecycleOperation, progress: Progress): Promise<LifecycleOutcome> {
  const ssh = {
    run: (command: string) => withSession(app, record, (s) => s.exec(command)),
  };
  const registered = await app.registeredDriverFor(record);
  const advice = registered.unsupported[operation];
  if (advice !== undefined) throw new NotSupportedError(registered.name, operation, advice);
  const driver = await app.driverFor(record, ssh);
  const action = driver[operation]?.bind(driver);
  // The contract suite checks that a driver implements every operation it does not declare unsupported.
  if (!action) throw new NotSupportedError(registered.name, operation);
  const wanted = targetState[operation];
  const before = await driver.state();
  // No host (its create failed, or it was deleted behind our back) can reach no state: say so now
  // instead of waiting out the timeout for a state that cannot come.
  if (before === 'NotFound') throw hostMissing(record, operation, wanted);
  if (operation !== 'restart' && before === wanted) {
    // A machine started behind our back (a cloud console, a provider's maintenance reboot) may answer at
    // a new address; `start` is where users go to fix that, so follow it even though nothing is started.
    const address = wanted === 'Running' ? await addressOf(driver) : undefined;
    const certificatesReissued = address && addressMoved(record, address) ? await settleRunning(app, record, address, progress) : false;
    return { name: record.name, state: before, alreadyThere: true, certificatesReissued };
  }
  await progress.phase(operation, () => action());
  if (operation === 'restart') {
    // A restart passes through not-running; give the host a moment to go down before we ask.
    await app.clock.sleep(3_000);
  }
  await progress.phase(`wait for ${wanted.toLowerCase()}`, () => waitForState(driver, wanted, 300_000, undefined, driver.statePollIntervalMs, app.clock));
  const certificatesReissued = wanted === 'Running' ? await settleRunning(app, record, await addressOf(driver), progress) : false;
  return { name: record.name, state: wanted, alreadyThere: false, certificatesReissued };
}

/** Where the driver says a running machine is now: asked once per command (each answer may be a cloud API call). */
interface MachineAddress {
  ssh: SshEndpoint;
  ip: string;
}

async function addressOf(driver: Driver): Promise<MachineAddress> {
  return { ssh: await driver.sshEndpoint(), ip: await driver.ip() };
}

function addressMoved(record: MachineRecord, address: MachineAddress): boolean {
  const sshMoved = record.ssh !== undefined && (address.ssh.host !== record.ssh.host || address.ssh.port !== record.ssh.port);
  return sshMoved || address.ip !== record.ip;
}

/**
 * After the machine runs: the record follows its (possibly new) address, SSH and the engine answer, and
 * a server certificate that no longer covers the address is reissued. True when it was reissued.
 */
async function settleRunning(app: MachineApp, record: MachineRecord, address: MachineAddress, progress: Progress): Promise<boolean> {
  const current = await followSshEndpoint(app, record, address.ssh);
  await refreshSshClientConfig(app, current, progress);
  // Running to the hypervisor is not running to the user: wait until SSH and the engine answer.
  await progress.phase('wait for ssh', async () => {
    const session = await app.ssh.waitFor(sshOptionsFor(app, current), { timeoutMs: 300_000, intervalMs: 1_000, clock: app.clock });
    await session.close();
  });
  const reissued = await reissueIfAddressChanged(app, current, address.ip, progress);
  const latest = await app.store.load(record.name);
  if (latest.status === 'ready') await progress.phase('engine ready', () => waitForEngineReady(app, latest, 180_000));
  return reissued;
}

async function reissueIfAddressChanged(app: MachineApp, record: MachineRecord, ip: string, progress: Progress): Promise<boolean> {
  if (engineTransport(record) === 'ssh') {
    // No certificate names the address: the record follows it, and that is all.
    if (ip !== record.ip) await app.store.update(record.name, (r) => (r.ip = ip));
    return false;
  }
  // Lazy: the X.509 library loads only when a running machine's certificate must be checked.
  const { certificateCovers } = await import('../tls');
  const current = await readIfExists(app.layout.machineFile(record.name, 'server.pem'));
  if (current !== undefined && certificateCovers(current, ip) && ip === record.ip) return false;
  const updated = await app.store.update(record.name, (r) => (r.ip = ip));
  const session = await app.ssh.waitFor(sshOptionsFor(app, updated), { timeoutMs: 300_000, intervalMs: 1_000, clock: app.clock });
  try {
    await provisionMachine(app, updated, session, progress, { reuseServerCert: true });
  } finally {
    await session.close();
  }
  // A context the user kept follows the machine to its new address; one they removed stays removed.
  await refreshMachineContext(app, updated, progress, { onlyIfExists: true });
  return true;
}

function hostMissing(record: MachineRecord, operation: LifecycleOperation, wanted: MachineState): OperationError {
  const why =
    record.status === 'error'
      ? `its create failed${record.error ? ` at "${record.error.phase}" (${record.error.message})` : ''} and left no host`
      : record.status === 'creating'
        ? 'its create never made a host'
        : `its host no longer exists at the ${record.driver} driver's side`;
  return new OperationError('NO_HOST', `\`${operation}\` cannot bring machine "${record.name}" to ${wanted}: ${why}`, [
    `remove it with \`machine rm ${record.name}\`, then create it again with \`machine create --driver ${record.driver} ${record.name}\``,
  ]);
}
