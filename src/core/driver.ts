import type { Interfaces } from '@oclif/core';
import type { MachineState, ResourceRecord, SshEndpoint } from './machine-record';

/**
 * The one contract every driver implements. A driver makes and manages the host; the core does
 * everything else (SSH, provisioning, TLS, the store). Guarantees each driver must keep:
 *  - `create` journals every resource through `ctx.journal` the moment it exists, so that if `create`
 *    fails or is interrupted, `remove` can clean exactly what was made;
 *  - `remove` is idempotent: a resource already gone is success;
 *  - `state` never throws for a vanished resource: it answers 'NotFound'.
 * An operation the driver cannot do at all is left out (the core answers NotSupportedError).
 */
export interface Driver {
  readonly name: string;
  preCreateCheck(): Promise<void>;
  create(ctx: CreateContext): Promise<CreateResult>;
  state(): Promise<MachineState>;
  ip(): Promise<string>;
  sshEndpoint(): Promise<SshEndpoint>;
  /** Removes what create made; may return lines telling the user what it found and did. */
  remove(): Promise<void | string[]>;
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
}

export type LifecycleOperation = 'start' | 'stop' | 'restart' | 'kill';

export interface CreateContext {
  /** Records a resource in the machine's journal (persisted before this resolves). */
  journal(resource: ResourceRecord): Promise<void>;
  /** Records driver facts worth keeping (ids, paths relative to the machine folder). */
  remember(state: Record<string, unknown>): Promise<void>;
  /** A line of progress for the user. */
  progress(message: string): void;
  /** Aborted when the user interrupts create. */
  signal: AbortSignal;
  /** Public half of the SSH key the store generated for this machine (OpenSSH format), if any. */
  sshPublicKey?: string;
}

export interface CreateResult {
  ip: string;
  ssh: SshEndpoint;
  /** Every address the host has that a client may use; all go into the server certificate. */
  addresses?: string[];
  dockerEndpoint?: { host: string; port: number };
}

/** What a driver is given when loaded: its validated config, what it learned so far, and where it lives. */
export interface DriverEnvironment<Config> {
  machineName: string;
  /** Absolute path of machines/NAME. */
  machineDir: string;
  /** Absolute path of the store root. */
  storePath: string;
  config: Config;
  state: Record<string, unknown>;
  resources: readonly import('./machine-record').ResourceRecord[];
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
export interface DriverDescriptor<Config = Record<string, unknown>> {
  name: string;
  summary: string;
  flags: DriverFlags;
  /** Whether create generates an SSH key pair for the machine (false when the user brings a key). */
  generatesSshKey(config: Config): boolean;
  /** Validates the parsed flags (only this driver's) into the config to persist. Throws UsageError. */
  configFromFlags(flags: Record<string, unknown>): Config;
  load(): Promise<(env: DriverEnvironment<Config>) => Driver>;
}
