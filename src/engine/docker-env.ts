import { OperationError, UsageError } from '../core/errors';
import { isHostAddress } from '../util/host-address';
import { dockerUrl, engineTransport, type MachineRecord } from '../core/machine-record';
import type { StoreLayout } from '../core/store-layout';

/**
 * What points the docker CLI at a machine: the variables of `machine env` and the flags of
 * `machine config`. Everything comes from the local store; nothing here touches the network.
 */

const DOCKER_VARIABLES = ['DOCKER_TLS_VERIFY', 'DOCKER_HOST', 'DOCKER_CERT_PATH', 'DOCKER_MACHINE_NAME'] as const;

export interface DockerEnvironmentOptions {
  /** Also add the machine's address to no_proxy/NO_PROXY, so a proxy does not swallow the engine's traffic. */
  noProxy: boolean;
  /** The environment the script will run in: the existing no_proxy list is extended, not replaced. */
  currentEnv: NodeJS.ProcessEnv;
}

export function dockerEnvironment(record: MachineRecord, layout: StoreLayout, options: DockerEnvironmentOptions): { set: Array<[string, string]>; unset: string[] } {
  const { url, host } = engineAddress(record);
  if (engineTransport(record) === 'ssh') {
    // The docker CLI's ssh:// transport: TLS variables left over from another machine must go, and no
    // proxy stands between us and the host (SSH connects directly), so no_proxy stays as it is.
    return { set: [['DOCKER_HOST', url], ['DOCKER_MACHINE_NAME', record.name]], unset: ['DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH'] };
  }
  const set: Array<[string, string]> = [
    ['DOCKER_TLS_VERIFY', '1'],
    ['DOCKER_HOST', url],
    ['DOCKER_CERT_PATH', layout.machineDir(record.name)],
    ['DOCKER_MACHINE_NAME', record.name],
  ];
  if (options.noProxy) set.push(noProxyAssignment(options.currentEnv, host));
  return { set, unset: [] };
}

/**
 * `machine env --context`: DOCKER_CONTEXT names the machine's docker context instead of the four
 * variables; with --no-proxy the machine's address joins no_proxy just the same.
 */
export function dockerContextEnvironment(record: MachineRecord, context: string, options: DockerEnvironmentOptions): { set: Array<[string, string]> } {
  const set: Array<[string, string]> = [['DOCKER_CONTEXT', context]];
  if (options.noProxy) set.push(noProxyAssignment(options.currentEnv, engineAddress(record).host));
  return { set };
}

/**
 * The variables `machine env --unset` removes: ours (DOCKER_CONTEXT alone with `context`, undoing
 * `env --context`), and with --no-proxy the no_proxy list env would have extended.
 */
export function dockerEnvUnsetNames(noProxy: boolean, currentEnv: NodeJS.ProcessEnv = process.env, context = false): string[] {
  const ours: string[] = context ? ['DOCKER_CONTEXT'] : [...DOCKER_VARIABLES];
  return noProxy ? [...ours, noProxyVariable(currentEnv)] : ours;
}

/**
 * `machine config`: the docker CLI's TLS flags, one a line, for `docker $(machine config NAME) ps`.
 * The docker CLI strips the quotes around the certificate paths itself. The shell splits that
 * unquoted substitution at blanks and expands * ? [ in it, and nothing can quote inside it: a
 * certificate path holding one of those is refused, pointing at the forms that can carry it.
 */
export function dockerConfigFlags(record: MachineRecord, layout: StoreLayout): string {
  const { url } = engineAddress(record);
  if (engineTransport(record) === 'ssh') return `-H=${url}`;
  const certPaths = (['ca.pem', 'cert.pem', 'key.pem'] as const).map((file) => layout.machineFile(record.name, file));
  const unsafe = certPaths.find((file) => /[\s*?[\]"'\\]/.test(file) || CONTROL.test(file));
  if (unsafe !== undefined) {
    throw new UsageError(`the certificate path ${JSON.stringify(unsafe)} would not survive \`docker $(machine config ...)\`: the shell splits it at spaces and expands * ? [ in it`, [
      `use \`machine env ${record.name}\` or \`docker --context machine-${record.name}\`, which carry any path`,
      'or keep the store (--storage-path) on a path without spaces, quotes or * ? [',
    ]);
  }
  return ['--tlsverify', `--tlscacert="${certPaths[0]}"`, `--tlscert="${certPaths[1]}"`, `--tlskey="${certPaths[2]}"`, `-H=${url}`].join('\n');
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach a command line
const CONTROL = /[\u0000-\u001f\u007f]/;

/** `machine url`: the engine's URL, from a record whose address is checked to be one. */
export function engineUrl(record: MachineRecord): string {
  return engineAddress(record).url;
}

/** The no_proxy list of `env`, extended by the engine's host. */
function noProxyAssignment(env: NodeJS.ProcessEnv, host: string): [string, string] {
  const variable = noProxyVariable(env);
  return [variable, withNoProxyEntry(env[variable] ?? '', host)];
}

/** The lower-case spelling wins when it is already in use, as curl and Go read it first. */
function noProxyVariable(env: NodeJS.ProcessEnv): 'no_proxy' | 'NO_PROXY' {
  return env.no_proxy ? 'no_proxy' : 'NO_PROXY';
}

/**
 * Adds `host` to a comma-separated no_proxy list unless it is already an entry. Entries are compared
 * whole (docker-machine's substring test thought 10.0.0.1 was in "10.0.0.10").
 */
export function withNoProxyEntry(list: string, host: string): string {
  const entries = list.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.some((entry) => entry.toLowerCase() === host.toLowerCase())) return list;
  return entries.length === 0 ? host : `${list.replace(/,\s*$/, '')},${host}`;
}

/** Where the client reaches dockerd: the URL, and the bare host for no_proxy (no IPv6 brackets). */
function engineAddress(record: MachineRecord): { url: string; host: string } {
  const url = dockerUrl(record);
  const host = record.dockerEndpoint?.host ?? record.ip;
  if (!url || !host) {
    throw new OperationError('NO_ADDRESS', `machine "${record.name}" has no address yet`, [`check its state with \`machine status ${record.name}\``]);
  }
  // The address came from a record on disk, and into it from a driver or a cloud API: it reaches shell
  // output and docker's configuration only when it is an address, never as text that a shell could run.
  const port = record.dockerEndpoint?.port ?? record.engine.port;
  if (!isHostAddress(host) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new OperationError('RECORD_INVALID_ADDRESS', `machine "${record.name}" has an engine address that is not an address: ${JSON.stringify(host)} port ${JSON.stringify(port)}`, [
      `the record (config.json) was changed outside machine; \`machine rm ${record.name}\` and create it again`,
    ]);
  }
  return { url, host };
}
