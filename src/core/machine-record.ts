/**
 * The persisted description of one machine (machines/NAME/config.json). It holds no secret: cloud
 * credentials come from each SDK's own chain every time. Paths are relative to the store root so a
 * store can be moved or shared.
 */
export const RECORD_SCHEMA_VERSION = 1;

export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9.-]*$/;

/** Where a machine is in its life as far as `machine` knows; the live state comes from the driver. */
export type RecordStatus = 'creating' | 'ready' | 'error' | 'removing';

/** Live states reported by drivers and shown by `ls`/`status`. */
export type MachineState = 'Running' | 'Stopped' | 'Starting' | 'Stopping' | 'Paused' | 'Error' | 'Unknown' | 'NotFound';

export type EngineInstall = 'docker' | 'distro' | 'repo' | 'none';

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  /** Private key: relative to the store root when the store made it, absolute when the user gave it. */
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
  /** TCP port dockerd listens on, on the host. */
  port: number;
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
}

export function dockerUrl(record: MachineRecord): string | undefined {
  const host = record.dockerEndpoint?.host ?? record.ip;
  const port = record.dockerEndpoint?.port ?? record.engine.port;
  if (!host) return undefined;
  return `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
