import * as path from 'node:path';
import type { Driver, DriverEnvironment, RemoteRunner } from '../core/driver';
import type { RegisteredDriver, StoredDriverConfig } from './driver-registry';
import { UsageError } from '../core/errors';
import type { MachineRecord } from '../core/machine-record';
import { MachineStore } from '../core/store/machine-store';
import { StoreLayout } from '../core/store-layout';
import { type Clock, systemClock } from '../util/wait';
import { type SshConnector, ssh2Connector } from './ssh-connector';
import type { InstalledPlugin } from './plugin-drivers';

export const DEFAULT_MACHINE = 'default';

/** What the orchestration reaches outside this process; commands take the defaults, unit tests give fakes. */
export interface AppDependencies {
  /** The drivers a record's `driver` is looked up among. Default: every driver this build knows. */
  drivers: readonly RegisteredDriver[];
  /** How hosts are reached for commands and provisioning. Default: ssh2. */
  ssh: SshConnector;
  /** Time for the waits (a machine's state, SSH, a restart's pause). Default: the system clock. */
  clock: Clock;
  /**
   * The installed plugins, asked only when a record names a driver not among `drivers`. Default:
   * the plugins oclif finds for this CLI.
   */
  plugins: () => Promise<readonly InstalledPlugin[]>;
}

/** The store a command works on, and the ways to get from a machine name to its record and driver. */
export class MachineApp {
  readonly layout: StoreLayout;
  readonly store: MachineStore;
  readonly ssh: SshConnector;
  readonly clock: Clock;
  /** Undefined means the built-in registry, which is loaded only when a driver is needed. */
  private readonly drivers: readonly RegisteredDriver[] | undefined;
  private readonly plugins: (() => Promise<readonly InstalledPlugin[]>) | undefined;

  constructor(storePath: string, dependencies: Partial<AppDependencies> = {}) {
    // Absolute from here on: DOCKER_CERT_PATH, contexts and messages must name the store from any folder.
    this.layout = new StoreLayout(path.resolve(storePath));
    this.store = new MachineStore(this.layout);
    this.ssh = dependencies.ssh ?? ssh2Connector;
    this.clock = dependencies.clock ?? systemClock;
    this.drivers = dependencies.drivers;
    this.plugins = dependencies.plugins;
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

  /**
   * The registered driver a stored machine names: a built-in one, or one a plugin brings, whose
   * descriptor loads only now. When the plugin is gone the error names the package to install.
   */
  async registeredDriverFor(record: Pick<MachineRecord, 'name' | 'driver' | 'driverPlugin'>): Promise<RegisteredDriver> {
    // Loaded here, not at the top: driver descriptors bring in oclif's flag builders, which
    // `machine env` (local files only) must not pay for.
    const { registeredDrivers } = await import('./driver-registry');
    const builtIn = this.drivers ?? registeredDrivers();
    const own = builtIn.find((d) => d.name === record.driver);
    if (own) return own;
    // Lazy as well: plugins are looked for only when a record names a driver this build lacks.
    const [{ driverCatalog }, { loadInstalledPlugins }] = await Promise.all([import('./driver-catalog'), import('./installed-plugins')]);
    return driverCatalog(await (this.plugins ?? loadInstalledPlugins)(), builtIn).forRecord(record);
  }

  /** Loads the driver implementation for a stored machine (only what a driver needs of the record). */
  async driverFor(record: Pick<MachineRecord, 'name' | 'driver' | 'driverPlugin' | 'driverConfig' | 'driverState' | 'resources'>, ssh?: RemoteRunner): Promise<Driver> {
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
