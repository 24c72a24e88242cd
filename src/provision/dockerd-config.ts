import type { EngineOptions } from '../core/machine-record';
import { UsageError } from '../core/errors';
import { CONTROL_CHARACTER, isHostAddress, isIpAddress } from '../util/host-address';
import { systemdEnvironmentAssignment, systemdExecArg } from './systemd-quote';

/** Where the rendered drop-in goes on the host. configure-engine.sh installs it there. */
export const DROP_IN_PATH = '/etc/systemd/system/docker.service.d/10-machine.conf';

/** Server TLS material on the host; docker-machine used the same paths, so old habits keep working. */
export const REMOTE_CERT_PATHS = {
  ca: '/etc/docker/ca.pem',
  cert: '/etc/docker/server.pem',
  key: '/etc/docker/server-key.pem',
} as const;

/** dockerd flags machine sets itself; an --engine-opt naming one of them would make dockerd refuse to start. */
const MANAGED_FLAGS = new Set(['H', 'host', 'tls', 'tlsverify', 'tlscacert', 'tlscert', 'tlskey']);

/**
 * Stands for dockerd in a drop-in rendered before the host has said where dockerd is; configure-engine.sh
 * replaces it with the path it finds. Never a path, so it can never be mistaken for one.
 */
export const DOCKERD_ON_HOST = '@DOCKERD@';

export interface DropInInput {
  engine: EngineOptions;
  driverName: string;
  /** Absolute path of dockerd on the host (as a provisioned image recorded it), or DOCKERD_ON_HOST. */
  dockerdPath: string;
}

/**
 * The systemd drop-in that makes dockerd listen on the unix socket and, for the tls transport, on TCP
 * with mutual TLS.
 * `ExecStart=` is cleared first because the stock unit's `-H fd://` (socket activation) would otherwise
 * stay as a second command. The output depends only on the input, so re-provisioning compares equal
 * byte for byte and dockerd is left alone.
 */
export function renderDockerdDropIn(input: DropInInput): string {
  const { engine, driverName, dockerdPath } = input;
  validateEngineOptions(engine);
  if (dockerdPath !== DOCKERD_ON_HOST && !/^\/[A-Za-z0-9_./+-]+$/.test(dockerdPath)) throw new Error(`unexpected dockerd path from the host: ${JSON.stringify(dockerdPath)}`);

  const args: string[] = [dockerdPath, '-H', 'unix:///var/run/docker.sock'];
  // The ssh transport listens on nothing but the socket: no port exists to be reached, with or without TLS.
  if ((engine.transport ?? 'tls') === 'tls') {
    args.push('-H', `tcp://0.0.0.0:${engine.port}`, '--tlsverify', '--tlscacert', REMOTE_CERT_PATHS.ca, '--tlscert', REMOTE_CERT_PATHS.cert, '--tlskey', REMOTE_CERT_PATHS.key);
  }
  for (const label of [...engine.labels, `provider=${driverName}`]) args.push('--label', label);
  for (const registry of engine.insecureRegistries) args.push('--insecure-registry', registry);
  for (const mirror of engine.registryMirrors) args.push('--registry-mirror', mirror);
  if (engine.storageDriver) args.push('--storage-driver', engine.storageDriver);
  for (const opt of engine.opts) args.push(engineOptFlag(opt));

  const lines = [
    '# Written by machine; re-provisioning rewrites it.',
    '[Service]',
    'ExecStart=',
    `ExecStart=${args.map(systemdExecArg).join(' ')}`,
    ...engine.env.map((assignment) => `Environment=${systemdEnvironmentAssignment(assignment)}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** `--engine-opt log-driver=none` becomes `--log-driver=none`, as docker-machine did. */
export function engineOptFlag(opt: string): string {
  return `--${opt.replace(/^-+/, '')}`;
}

/**
 * Rejects engine options dockerd, systemd, apt or the provisioning scripts would choke on, with the
 * flag to fix. Cheap and local: create calls it before anything is made, provisioning again before the
 * drop-in is written (a record may have been edited by hand).
 */
export function validateEngineOptions(engine: EngineOptions): void {
  if (!Number.isInteger(engine.port) || engine.port < 1 || engine.port > 65535) {
    throw new UsageError(`engine port ${engine.port} is not a TCP port`);
  }
  refuseControlCharacters(engine);
  for (const assignment of engine.env) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(assignment)) {
      throw new UsageError(`--engine-env ${JSON.stringify(assignment)} is not KEY=VALUE`, ['write it as NAME=value, e.g. --engine-env HTTP_PROXY=http://proxy:3128']);
    }
  }
  for (const label of engine.labels) {
    if (!/^[^=\s"]+=/.test(label)) throw new UsageError(`--engine-label ${JSON.stringify(label)} is not key=value`, ['write it as key=value, e.g. --engine-label env=staging']);
  }
  for (const opt of engine.opts) {
    const name = /^-*([A-Za-z0-9][A-Za-z0-9.-]*)(=|$)/.exec(opt)?.[1];
    if (name === undefined) {
      throw new UsageError(`--engine-opt ${JSON.stringify(opt)} is not name=value`, ['write it as a dockerd flag without dashes, e.g. --engine-opt log-driver=none']);
    }
    if (MANAGED_FLAGS.has(name)) {
      throw new UsageError(`--engine-opt ${name} is set by machine itself (TLS and listen addresses)`, ['remove the option: machine configures the listen addresses and TLS itself']);
    }
  }
  for (const registry of engine.insecureRegistries) {
    if (!isRegistryAddress(registry)) {
      throw new UsageError(`--engine-insecure-registry ${JSON.stringify(registry)} is not HOST[:PORT] or a CIDR range`, ['e.g. --engine-insecure-registry registry.local:5000 or 10.0.0.0/8 (no scheme)']);
    }
  }
  for (const mirror of engine.registryMirrors) {
    if (!isHttpUrl(mirror)) throw new UsageError(`--engine-registry-mirror ${JSON.stringify(mirror)} is not an http(s) URL`, ['e.g. --engine-registry-mirror https://mirror.local']);
  }
  if (engine.storageDriver !== undefined && !/^[A-Za-z0-9_-]+$/.test(engine.storageDriver)) {
    throw new UsageError(`--engine-storage-driver ${JSON.stringify(engine.storageDriver)} is not a storage driver name`, ['e.g. --engine-storage-driver overlay2']);
  }
  validateEngineSource(engine);
}

/** The apt source's parts become lines of a deb822 file and an apt version pattern: single plain words. */
function validateEngineSource(engine: EngineOptions): void {
  if (engine.version !== undefined && !/^[A-Za-z0-9][A-Za-z0-9.:~+-]*$/.test(engine.version)) {
    throw new UsageError(`--engine-version ${JSON.stringify(engine.version)} is not a package version`, ['e.g. --engine-version 27.3']);
  }
  if (engine.repoUrl !== undefined && !isRepositoryUrl(engine.repoUrl)) {
    throw new UsageError(`--engine-repo-url ${JSON.stringify(engine.repoUrl)} is not a repository URL`, ['e.g. --engine-repo-url https://apt.example.com/debian']);
  }
  if (engine.repoSuite !== undefined && !/^[A-Za-z0-9._~+/-]+$/.test(engine.repoSuite)) {
    throw new UsageError(`--engine-repo-suite ${JSON.stringify(engine.repoSuite)} is not a suite name`, ['e.g. --engine-repo-suite bookworm (a flat repository: ./)']);
  }
  if (engine.repoComponent !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(engine.repoComponent)) {
    throw new UsageError(`--engine-repo-component ${JSON.stringify(engine.repoComponent)} is not a component name`, ['e.g. --engine-repo-component stable']);
  }
}

/** A line break in a label or an option would end the drop-in's line; no control character is ever meant. */
function refuseControlCharacters(engine: EngineOptions): void {
  const valued: Array<[string, readonly string[]]> = [
    ['engine-label', engine.labels],
    ['engine-opt', engine.opts],
    ['engine-env', engine.env],
    ['engine-insecure-registry', engine.insecureRegistries],
    ['engine-registry-mirror', engine.registryMirrors],
  ];
  for (const [flag, values] of valued) {
    const bad = values.find((value) => CONTROL_CHARACTER.test(value));
    if (bad !== undefined) throw new UsageError(`--${flag} ${JSON.stringify(bad)} holds a control character (a line break, a tab...)`);
  }
}

/** What dockerd takes for --insecure-registry: HOST, HOST:PORT ([V6]:PORT) or an address range in CIDR form. */
function isRegistryAddress(value: string): boolean {
  const cidr = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (cidr) return isIpAddress(cidr[1]) && Number(cidr[2]) <= (cidr[1].includes(':') ? 128 : 32);
  const hostPort = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value);
  if (!hostPort) return false;
  const port = hostPort[2] === undefined ? 1 : Number(hostPort[2]);
  return isHostAddress(hostPort[1]) && port >= 1 && port <= 65535;
}

function isHttpUrl(value: string): boolean {
  const url = parseUrl(value);
  return url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
}

/** apt's sources take more schemes than http(s) (file:, mirror+https:...): any URL without a quote or space. */
function isRepositoryUrl(value: string): boolean {
  return !/[\s"'\\]/.test(value) && parseUrl(value) !== undefined;
}

function parseUrl(value: string): URL | undefined {
  if (/[\s"'<>\\`]/.test(value) || CONTROL_CHARACTER.test(value)) return undefined;
  try {
    const url = new URL(value);
    return url.hostname === '' || isHostAddress(url.hostname) ? url : undefined;
  } catch {
    return undefined;
  }
}
