import { OperationError } from '../core/errors';
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
 * The docker CLI strips the quotes around the certificate paths itself.
 */
export function dockerConfigFlags(record: MachineRecord, layout: StoreLayout): string {
  const { url } = engineAddress(record);
  if (engineTransport(record) === 'ssh') return `-H=${url}`;
  return [
    '--tlsverify',
    `--tlscacert="${layout.machineFile(record.name, 'ca.pem')}"`,
    `--tlscert="${layout.machineFile(record.name, 'cert.pem')}"`,
    `--tlskey="${layout.machineFile(record.name, 'key.pem')}"`,
    `-H=${url}`,
  ].join('\n');
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
  return { url, host };
}
