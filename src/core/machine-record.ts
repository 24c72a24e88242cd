/**
 * The persisted description of one machine (machines/NAME/config.json). It holds no secret: cloud
 * credentials come from each SDK's own chain every time. Paths are relative to the store root so a
 * store can be moved or shared; the only absolute paths are the user's own (listed in `userPaths`).
 * Each version has its schema in store/record-schema.ts; store/migrate.ts lifts older ones.
 */
export const RECORD_SCHEMA_VERSION = 2;

export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9.-]*$/;

/** Where a machine is in its life as far as `machine` knows; the live state comes from the driver. */
export type RecordStatus = 'creating' | 'ready' | 'error' | 'removing';

/** Live states reported by drivers and shown by `ls`/`status`. */
export type MachineState = 'Running' | 'Stopped' | 'Starting' | 'Stopping' | 'Paused' | 'Error' | 'Unknown' | 'NotFound';

export type EngineInstall = 'docker' | 'distro' | 'repo' | 'none';

/**
 * How clients reach dockerd: `tls`, a TCP port with mutual TLS; `ssh`, no port at all, only the unix
 * socket reached through the machine's SSH connection (`machine proxy`, `machine docker`, ssh:// contexts).
 */
export type EngineTransport = 'tls' | 'ssh';

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  /** Private key: relative to the store root when the store made it, absolute (and in `userPaths`) when the user gave it. */
  keyPath?: string;
  /** Use ssh-agent ($SSH_AUTH_SOCK) when no key file is set. */
  useAgent?: boolean;
}

/** A cloud or local resource a driver made, journaled the moment it exists so `rm` can remove it. */
export interface ResourceRecord {
  kind: string;
  id: string;
  /** Extra identifying facts (region, group name...). Never secrets. */
  attributes?: Record<string, string>;
}

export interface EngineOptions {
  install: EngineInstall;
  version?: string;
  repoUrl?: string;
  /** Path to the armored key for `repo` installs, relative to the store (copied into the machine folder). */
  repoKeyPath?: string;
  repoSuite?: string;
  repoComponent?: string;
  /** TCP port dockerd listens on, on the host (unused with the ssh transport). */
  port: number;
  /** Absent in records made before the choice existed: those are `tls`. */
  transport?: EngineTransport;
  labels: string[];
  opts: string[];
  env: string[];
  insecureRegistries: string[];
  registryMirrors: string[];
  storageDriver?: string;
}

export interface TlsOptions {
  keyType: 'ecdsa' | 'rsa';
  /** Extra subject alternative names from --tls-san. */
  sans: string[];
}

export interface RecordError {
  phase: string;
  message: string;
  at: string;
}

/** A process as the store remembers it: enough to tell, later, whether it still runs. */
export interface ProcessIdentity {
  pid: number;
  /** Linux: field 22 of /proc/PID/stat (clock ticks after boot), so a reused PID is not mistaken for it. */
  startTime?: string;
  /** The host the process ran on: a store shared between hosts cannot judge another host's processes. */
  hostname: string;
}

export interface MachineRecord {
  schemaVersion: number;
  name: string;
  driver: string;
  /**
   * The plugin package that brought the driver, when it is not built in: when the plugin is gone,
   * commands can say what to install again.
   */
  driverPlugin?: { name: string; version: string };
  status: RecordStatus;
  createdAt: string;
  /** The driver's own validated configuration (configFromFlags output). */
  driverConfig: Record<string, unknown>;
  /** Facts the driver learned while creating (instance id, QEMU pid file...). */
  driverState: Record<string, unknown>;
  resources: ResourceRecord[];
  ip?: string;
  ssh?: SshEndpoint;
  /** Where the client reaches dockerd; defaults to ip:engine.port. Local VMs forward it elsewhere. */
  dockerEndpoint?: { host: string; port: number };
  engine: EngineOptions;
  tls: TlsOptions;
  error?: RecordError;
  /**
   * Absolute paths the user named on the command line (a key of their own). They are the user's: the
   * store reads them but never deletes or changes them, and no other absolute path is accepted.
   */
  userPaths?: string[];
  /** The `machine create` process that made the record, while status is `creating`. */
  creator?: ProcessIdentity;
  /** The machine's place in a swarm (set by `machine swarm init/join`, cleared by `leave`). */
  swarm?: SwarmMembership;
  /** The create phase under way, while status is `creating`: what an interrupted create got to. */
  createPhase?: string;
}

export type SwarmRole = 'manager' | 'worker';

export interface SwarmMembership {
  role: SwarmRole;
  /** The swarm's cluster ID (as `docker info` shows it). */
  clusterId: string;
  /** This machine's node ID in that swarm. */
  nodeId: string;
}

export function engineTransport(record: Pick<MachineRecord, 'engine'>): EngineTransport {
  return record.engine.transport ?? 'tls';
}

/**
 * The OpenSSH host alias of a machine, defined by the store's ssh_config (`Include` it once in
 * ~/.ssh/config): the docker CLI's ssh:// transport runs the system ssh, which then finds the
 * machine's key and pinned host key there.
 */
export function sshHostAlias(name: string): string {
  return `machine-${name}`;
}

export function dockerUrl(record: MachineRecord): string | undefined {
  if (engineTransport(record) === 'ssh') return record.ssh ? `ssh://${sshHostAlias(record.name)}` : undefined;
  const host = record.dockerEndpoint?.host ?? record.ip;
  const port = record.dockerEndpoint?.port ?? record.engine.port;
  if (!host) return undefined;
  return `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
