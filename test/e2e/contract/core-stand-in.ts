import type { CreateContext, CreateResult, Driver } from '../../../src/core/driver';
import { type MachineRecord, type MachineState, RECORD_SCHEMA_VERSION, type ResourceRecord } from '../../../src/core/machine-record';
import { pathForRecord } from '../../../src/core/store/record-paths';
import { MachineApp } from '../../../src/services/app';
import type { RegisteredDriver, StoredDriverConfig } from '../../../src/services/driver-registry';
import type { InstalledPlugin } from '../../../src/services/plugin-drivers';
import { sshOptionsFor, withSession } from '../../../src/services/ssh-access';
import { waitForState } from '../../../src/services/wait-state';
import { generateMachineKeyPair } from '../../../src/ssh/keys';
import { waitForSsh } from '../../../src/ssh/wait';
import type { ContractMachine } from './backing';

/** What the suite watches while a create runs: each journal entry once it is persisted, each progress line. */
export interface CreateWatch {
  afterJournal?(entry: ResourceRecord, journal: readonly ResourceRecord[]): Promise<void>;
  onProgress?(message: string): void;
}

/**
 * The core's side of the driver contract, as src/services does it, for one driver and one store:
 * a record reserved before create, journal and remember persisted in it before they return, every
 * later operation on a driver opened afresh from what was persisted (as each command does), states
 * polled with the core's own poller, SSH reached with the core's own options.
 */
export class CoreStandIn {
  readonly app: MachineApp;

  constructor(
    readonly registered: RegisteredDriver,
    storePath: string,
    /** The installed plugins the app finds a record's driver among, when the driver is not built in. */
    plugins: readonly InstalledPlugin[] = [],
  ) {
    this.app = new MachineApp(storePath, { plugins: async () => plugins });
  }

  machine(name: string): ContractMachine {
    return { name, dir: this.app.layout.machineDir(name), storePath: this.app.layout.root };
  }

  /** The record create starts from, and the machine's SSH key when the driver wants the core to make one. */
  async reserve(name: string, config: StoredDriverConfig): Promise<{ sshPublicKey?: string }> {
    await this.app.store.reserve(initialRecord(this.registered, name, config));
    if (!this.registered.generatesSshKey(config)) return {};
    const { publicKey, privateKeyPath } = await generateMachineKeyPair(this.app.layout.machineFile(name, 'id_ed25519'));
    await this.app.store.update(name, (r) => (r.driverState = { ...r.driverState, sshKeyPath: this.app.layout.relative(privateKeyPath) }));
    return { sshPublicKey: publicKey };
  }

  createContext(name: string, signal: AbortSignal, sshPublicKey: string | undefined, watch: CreateWatch = {}): CreateContext {
    return {
      journal: async (resource) => {
        const record = await this.app.store.update(name, (r) => r.resources.push(resource));
        await watch.afterJournal?.(resource, record.resources);
      },
      remember: async (state) => {
        await this.app.store.update(name, (r) => (r.driverState = { ...r.driverState, ...state }));
      },
      progress: (message) => watch.onProgress?.(message),
      signal,
      ...(sshPublicKey ? { sshPublicKey } : {}),
    };
  }

  /** What the core keeps of create's answer. */
  async recordCreated(name: string, created: CreateResult): Promise<MachineRecord> {
    return this.app.store.update(name, (r) => {
      r.ip = created.ip;
      r.ssh = created.ssh.keyPath ? { ...created.ssh, keyPath: pathForRecord(this.app.layout, r, created.ssh.keyPath) } : created.ssh;
      if (created.dockerEndpoint) r.dockerEndpoint = created.dockerEndpoint;
    });
  }

  record(name: string): Promise<MachineRecord> {
    return this.app.store.load(name);
  }

  /** The driver as a later command loads it: from the persisted record, with SSH to the host as lifecycle commands give it. */
  async open(name: string): Promise<Driver> {
    const record = await this.record(name);
    const ssh = { run: (command: string) => withSession(this.app, record, (session) => session.exec(command)) };
    return this.registered.open(this.app.driverEnvironment(this.registered, name, record.driverConfig, { state: record.driverState, resources: record.resources, ssh }));
  }

  /** Polls state() as the core does after create and after start/stop/restart/kill. */
  waitFor(driver: Driver, wanted: MachineState, timeoutMs: number): Promise<void> {
    return waitForState(driver, wanted, timeoutMs, undefined, driver.statePollIntervalMs);
  }

  /** Connects as create's "wait for ssh" does (pinning the host key on first use) and runs one command. */
  async sshRun(name: string, command: string, timeoutMs: number): Promise<string> {
    const record = await this.record(name);
    const session = await waitForSsh(sshOptionsFor(this.app, record, 'trust-on-first-use'), { timeoutMs, intervalMs: 1_000, authGraceMs: timeoutMs });
    try {
      const result = await session.exec(command);
      if (result.code !== 0) throw new Error(`${command} exited ${result.code} on ${name}: ${result.stderr}`);
      return result.stdout;
    } finally {
      await session.close();
    }
  }

  forget(name: string): Promise<void> {
    return this.app.store.remove(name);
  }
}

function initialRecord(registered: RegisteredDriver, name: string, config: StoredDriverConfig): MachineRecord {
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    name,
    driver: registered.name,
    ...(registered.plugin ? { driverPlugin: { ...registered.plugin } } : {}),
    status: 'creating',
    createdAt: new Date().toISOString(),
    driverConfig: config,
    driverState: {},
    resources: [],
    engine: { install: 'none', port: registered.enginePort(config), labels: [], opts: [], env: [], insecureRegistries: [], registryMirrors: [] },
    tls: { keyType: 'ecdsa', sans: [] },
  };
}
