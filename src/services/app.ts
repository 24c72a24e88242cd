import * as path from 'node:path';
import type { Driver, DriverEnvironment, RemoteRunner } from '../core/driver';
import type { RegisteredDriver, StoredDriverConfig } from './driver-registry';
import { UsageError } from '../core/errors';
import type { MachineRecord } from '../core/machine-record';
import { MachineStore } from '../core/store/machine-store';
import { StoreLayout } from '../core/store-layout';
import { type Clock, systemClock } from '../util/wait';
import { type SshConnector, ssh2Connector } from './ssh-connector';

export const DEFAULT_MACHINE = 'default';

/** What the orchestration reaches outside this process; commands take the defaults, unit tests give fakes. */
export interface AppDependencies {
  /** The drivers a record's `driver` is looked up among. Default: every driver this build knows. */
  drivers: readonly RegisteredDriver[];
  /** How hosts are reached for commands and provisioning. Default: ssh2. */
  ssh: SshConnector;
  /** Time for the waits (a machine's state, SSH, a restart's pause). Default: the system clock. */
  clock: Clock;
}

/** The store a command works on, and the ways to get from a machine name to its record and driver. */
export class MachineApp {
  readonly layout: StoreLayout;
  readonly store: MachineStore;
  readonly ssh: SshConnector;
  readonly clock: Clock;
  /** Undefined means the built-in registry, which is loaded only when a driver is needed. */
  private readonly drivers: readonly RegisteredDriver[] | undefined;

  constructor(storePath: string, dependencies: Partial<AppDependencies> = {}) {
    // Absolute from here on: DOCKER_CERT_PATH, contexts and messages must name the store from any folder.
    this.layout = new StoreLayout(path.resolve(storePath));
    this.store = new MachineStore(this.layout);
    this.ssh = dependencies.ssh ?? ssh2Connector;
    this.clock = dependencies.clock ?? systemClock;
    this.drivers = dependencies.drivers;
  }

  /** The named machine, or `default` when no name was given and it exists. */
  async resolveName(name: string | undefined): Promise<string> {
    if (name) return name;
    if (await this.store.exists(DEFAULT_MACHINE)) return DEFAULT_MACHINE;
    throw new UsageError('no machine name given and no machine named "default" exists', [
      'name a machine, e.g. `machine status NAME`; `machine ls` lists them',
    ]);
  }

  async record(name: string | undefined): Promise<MachineRecord> {
    return this.store.load(await this.resolveName(name));
  }

  /** The registered driver a stored machine names. */
  async registeredDriverFor(record: Pick<MachineRecord, 'driver'>): Promise<RegisteredDriver> {
    // Loaded here, not at the top: driver descriptors bring in oclif's flag builders, which
    // `machine env` (local files only) must not pay for.
    const { findDriver } = await import('./driver-registry');
    return findDriver(record.driver, this.drivers);
  }

  /** Loads the driver implementation for a stored machine (only what a driver needs of the record). */
  async driverFor(record: Pick<MachineRecord, 'name' | 'driver' | 'driverConfig' | 'driverState' | 'resources'>, ssh?: RemoteRunner): Promise<Driver> {
    const registered = await this.registeredDriverFor(record);
    return registered.open(this.driverEnvironment(registered, record.name, record.driverConfig, { state: record.driverState, resources: record.resources, ...(ssh ? { ssh } : {}) }));
  }

  /** What a driver is given for one machine; the SSH key path is the core's, when the core makes the key. */
  driverEnvironment(
    registered: RegisteredDriver,
    name: string,
    config: StoredDriverConfig,
    known: Pick<DriverEnvironment<StoredDriverConfig>, 'state' | 'resources' | 'ssh'>,
  ): DriverEnvironment<StoredDriverConfig> {
    return {
      machineName: name,
      machineDir: this.layout.machineDir(name),
      storePath: this.layout.root,
      config,
      ...(registered.generatesSshKey(config) ? { sshKeyPath: this.layout.machineFile(name, 'id_ed25519') } : {}),
      ...known,
    };
  }
}
