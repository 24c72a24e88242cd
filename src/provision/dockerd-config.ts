import type { EngineOptions } from '../core/machine-record';
import { UsageError } from '../core/errors';
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

export interface DropInInput {
  engine: EngineOptions;
  driverName: string;
  /** Absolute path of dockerd on the host, as install-engine.sh reported it. */
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
  if (!/^\/[A-Za-z0-9_./+-]+$/.test(dockerdPath)) throw new Error(`unexpected dockerd path from the host: ${JSON.stringify(dockerdPath)}`);

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

/** Rejects engine options dockerd or systemd would choke on, with the flag to fix. Cheap: call it before creating anything. */
export function validateEngineOptions(engine: EngineOptions): void {
  if (!Number.isInteger(engine.port) || engine.port < 1 || engine.port > 65535) {
    throw new UsageError(`engine port ${engine.port} is not a TCP port`);
  }
  for (const assignment of engine.env) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(assignment)) {
      throw new UsageError(`--engine-env ${JSON.stringify(assignment)} is not KEY=VALUE`, ['write it as NAME=value, e.g. --engine-env HTTP_PROXY=http://proxy:3128']);
    }
  }
  for (const label of engine.labels) {
    if (!/^[^=\s]+=/.test(label)) throw new UsageError(`--engine-label ${JSON.stringify(label)} is not key=value`);
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
  if (engine.storageDriver !== undefined && !/^[A-Za-z0-9_-]+$/.test(engine.storageDriver)) {
    throw new UsageError(`--engine-storage-driver ${JSON.stringify(engine.storageDriver)} is not a storage driver name`);
  }
}
