import type { Interfaces } from '@oclif/core';
import type { MachineState, ResourceRecord, SshEndpoint } from './machine-record';

/**
 * The one contract every driver implements. A driver makes and manages the host; the core does
 * everything else (SSH, provisioning, TLS, the store). Guarantees each driver must keep (the contract
 * suite in test/e2e/driver-contract.e2e.test.ts checks them against every driver's real backing):
 *  - `create` journals every resource through `ctx.journal` the moment it exists, so that if `create`
 *    fails or is interrupted, `remove` can clean exactly what was made;
 *  - `remove` is idempotent: a resource already gone is success;
 *  - `state` never throws for a vanished resource: it answers 'NotFound';
 *  - `start`, `stop`, `restart` and `kill` ask for the change and return; the core then polls `state`
 *    until the machine is Running or Stopped (one place for timeouts, Ctrl-C and messages). A driver
 *    waits inside an operation only where the operation itself needs it (a graceful stop that escalates
 *    to a forced one after a while; a terminate that must finish before its security group can go);
 *  - an operation the driver cannot do at all is declared in its descriptor's `unsupported`, with the
 *    advice the user gets, and left out of the implementation.
 */
export interface Driver {
  readonly name: string;
  /**
   * How often the core may ask `state()` while it waits for a state. A cloud API counts every call
   * against a rate limit, a local process table does not. Default one second.
   */
  readonly statePollIntervalMs?: number;
  preCreateCheck(): Promise<void>;
  create(ctx: CreateContext): Promise<CreateResult>;
  state(): Promise<MachineState>;
  ip(): Promise<string>;
  sshEndpoint(): Promise<SshEndpoint>;
  /** Removes what create made; answers lines telling the user what it found and did (possibly none). */
  remove(): Promise<string[]>;
  start?(): Promise<void>;
  stop?(): Promise<void>;
  restart?(): Promise<void>;
  kill?(): Promise<void>;
  /**
   * Host key fingerprints (`SHA256:...`) the host announced through a channel the network cannot
   * forge (a cloud's console output). The first SSH connection must present one of them. An empty
   * answer means none came in time, and the core trusts the key on first use and says so.
   */
  hostKeyFingerprints?(signal: AbortSignal): Promise<string[]>;
  /** Why the host may not have come up (a console tail, advice), added to a failed wait's message. */
  diagnose?(): Promise<string>;
  /**
   * Drivers whose descriptor offers `provisionedImages`: the guest has been sealed and is powering
   * itself off. Waits for it to stop, keeps its disk as the provisioned image `key` in the store's
   * image cache, gives the machine a fresh disk on top of it and boots it again. The core then
   * waits for SSH and does the per-machine provisioning, exactly as for a machine made from the cache.
   */
  captureProvisionedImage?(key: string, ctx: CreateContext): Promise<void>;
  /**
   * The machine's address on the network it shares with its peers (a cloud's private address, a local
   * VM's cluster network), which a swarm node advertises. Undefined when it has none besides `ip()`.
   */
  clusterAddress?(): Promise<string | undefined>;
  /**
   * Opens swarm mode's ports (2377/tcp, 7946/tcp+udp, 4789/udp) to the machine's peers only (a cloud
   * firewall group as its own source), when the first manager is made or a node joins; idempotent.
   * `closeSwarmPorts` removes them when the last member leaves. Both answer notes for the user.
   */
  openSwarmPorts?(): Promise<string[]>;
  closeSwarmPorts?(): Promise<string[]>;
  /**
   * Optional batching of `state()` for listings: the states of `peers` (drivers of this same driver,
   * opened for other machines; this one among them) in as few backend calls as the backend allows, such
   * as one DescribeInstances for every EC2 machine of a region. The answer covers the peers it can
   * (same account and region...); `ls` asks one of the others for the rest, and so on.
   */
  batchStates?(peers: readonly Driver[]): Promise<Map<Driver, MachineState>>;
}

/**
 * Swarm mode's ports, which openSwarmPorts opens to a machine's peers: raft and the control plane
 * (2377/tcp), gossip (7946/tcp+udp) and the overlay's VXLAN (4789/udp).
 */
export const SWARM_PORTS: ReadonlyArray<{ protocol: 'tcp' | 'udp'; port: number; what: string }> = [
  { protocol: 'tcp', port: 2377, what: 'swarm control plane' },
  { protocol: 'tcp', port: 7946, what: 'swarm gossip' },
  { protocol: 'udp', port: 7946, what: 'swarm gossip' },
  { protocol: 'udp', port: 4789, what: 'swarm overlay (VXLAN)' },
];

/**
 * The driver state field (`ctx.remember`) naming the provisioned image a machine's disk is layered on:
 * `machine cache rm` and `prune` read it to keep an image that a machine still needs.
 */
export const PROVISIONED_IMAGE_STATE = 'provisionedImage';

export type LifecycleOperation = 'start' | 'stop' | 'restart' | 'kill';
export const LIFECYCLE_OPERATIONS: readonly LifecycleOperation[] = ['start', 'stop', 'restart', 'kill'];

export interface CreateContext {
  /** Records a resource in the machine's journal (persisted before this resolves). */
  journal(resource: ResourceRecord): Promise<void>;
  /** Records driver facts worth keeping (ids, paths relative to the machine folder). */
  remember(state: Record<string, unknown>): Promise<void>;
  /** A line of progress for the user. */
  progress(message: string): void;
  /** Aborted when the user interrupts create. */
  signal: AbortSignal;
  /** Public half of the SSH key the core generated for this machine (OpenSSH format), if any. */
  sshPublicKey?: string;
  /**
   * False when clients reach the engine through SSH only (`--engine-transport ssh`): a firewall the
   * driver makes must then not open the engine port. Absent means true.
   */
  exposeEnginePort?: boolean;
  /**
   * Set by the core for a driver that offers `provisionedImages` (unless --no-image-cache): a hash of
   * what provisioning puts on the disk (engine source and version, the scripts). The driver adds its
   * base image's digest to make the cache key, and boots from the provisioned image when there is one.
   */
  provisioningRecipe?: string;
  /**
   * Set alongside `provisioningRecipe`. A driver booting a machine from a provisioned image asks for
   * the engine's per-machine files (its certificates and dockerd drop-in) and has the guest write them
   * at its first boot, before dockerd starts: dockerd then starts once, already configured, instead of
   * starting at provisioning. `guestAddresses` are the addresses clients may use (they go into the
   * server certificate). Answers undefined when the image cannot take them (a provision then does it).
   */
  engineBootFiles?(request: { provisionedImage: string; guestAddresses: string[] }): Promise<BootFile[] | undefined>;
}

/** A file a guest writes at its first boot: absolute path inside the guest, content and mode. */
export interface BootFile {
  path: string;
  content: string;
  mode: number;
}

export interface CreateResult {
  ip: string;
  ssh: SshEndpoint;
  /** Every address the host has that a client may use; all go into the server certificate. */
  addresses?: string[];
  /**
   * Where a client reaches the engine, when that is not `ip` at the descriptor's `enginePort` (a local
   * VM's forwarded port on 127.0.0.1).
   */
  dockerEndpoint?: { host: string; port: number };
  /**
   * Answered when the context had a provisioning recipe: the cache key, and whether the disk was made
   * from the provisioned image of that key (`hit`) or from the plain base image (`miss`: the core may
   * then seal this machine's disk as that key's image).
   */
  provisionedImage?: { key: string; hit: boolean };
}

/** What a driver is given when loaded: its validated config, what it learned so far, and where it lives. */
export interface DriverEnvironment<Config> {
  machineName: string;
  /** Absolute path of machines/NAME. */
  machineDir: string;
  /** Absolute path of the store root. */
  storePath: string;
  config: Config;
  /**
   * Absolute path of the private SSH key the core generated for this machine, when the descriptor's
   * `generatesSshKey` said so. Drivers hand it on in `sshEndpoint()`; they never derive it themselves.
   */
  sshKeyPath?: string;
  state: Record<string, unknown>;
  resources: readonly ResourceRecord[];
  /** Remote command runner for drivers that act over SSH (generic stop = shutdown). */
  ssh?: RemoteRunner;
}

export interface RemoteRunner {
  run(command: string): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Flags as oclif takes them; every key starts with the driver's name. */
export type DriverFlags = Interfaces.FlagInput;

/**
 * A cheap description of a driver, safe to import at start-up. The implementation (and any SDK it
 * needs) is loaded only by `load()`.
 */
export interface DriverDescriptor<Config> {
  /** The canonical name, stored in the record and used as the prefix of the driver's flags. */
  name: string;
  /** Other names users type for it (`aws` for amazonec2); `--driver` accepts them, the record keeps `name`. */
  aliases: readonly string[];
  summary: string;
  flags: DriverFlags;
  /** Lifecycle operations this driver cannot do, each with the advice the user gets instead. */
  unsupported: Partial<Record<LifecycleOperation, string>>;
  /** Whether create generates an SSH key pair for the machine (false when the user brings a key). */
  generatesSshKey(config: Config): boolean;
  /** The port dockerd listens on with TLS inside the host; provisioning configures it there. */
  enginePort(config: Config): number;
  /** Validates the parsed flags (only this driver's) into the config to persist. Throws UsageError. */
  configFromFlags(flags: Record<string, unknown>): Config;
  /** Reads a stored config back into this driver's type; a record that does not fit is refused. */
  readConfig(stored: Record<string, unknown>): Config;
  load(): Promise<(env: DriverEnvironment<Config>) => Driver>;
  /**
   * The driver boots local VMs from disk images it can layer (a qcow2 or differencing-VHD overlay),
   * so the core may keep a provisioned machine's disk as a cached image and boot the next machine of
   * the same recipe from it (see `CreateContext.provisioningRecipe` and `captureProvisionedImage`).
   */
  provisionedImages?: boolean;
}
