import { dockerUrl, type MachineRecord } from '../core/machine-record';
import type { DockerSelection } from './docker-config';
import { machineOfContext } from './machine-context';

/** The port the docker CLI assumes for a tcp:// DOCKER_HOST without one, when TLS is on. */
const DEFAULT_TLS_PORT = 2376;

/**
 * The machine plain `docker` talks to, if any: by $DOCKER_HOST when that is set (it overrides every
 * context), else by the selected context when it is a machine's own `machine-NAME`.
 */
export function findActiveMachine(records: readonly MachineRecord[], selection: DockerSelection): string | undefined {
  if (selection.kind === 'host') return findMachineAtHost(records, selection.dockerHost);
  if (selection.kind === 'context') {
    const name = machineOfContext(selection.context);
    return records.some((record) => record.name === name) ? name : undefined;
  }
  return undefined;
}

/**
 * The machine a DOCKER_HOST value points at, if any. Both sides are normalized first, so
 * `tcp://Dev.Example.com:2376/`, `tcp://dev.example.com:2376` and `dev.example.com` are the same
 * engine, and so are the spellings of one IPv6 address.
 */
export function findMachineAtHost(records: readonly MachineRecord[], dockerHostEnv: string | undefined): string | undefined {
  const wanted = dockerHostEnv ? normalizeDockerHost(dockerHostEnv) : undefined;
  if (!wanted) return undefined;
  for (const record of records) {
    const url = dockerUrl(record);
    if (url && normalizeDockerHost(url) === wanted) return record.name;
  }
  return undefined;
}

/** `host:port` in one canonical spelling, or undefined for anything that is not a TCP address (unix://, ssh://...). */
export function normalizeDockerHost(value: string): string | undefined {
  const trimmed = value.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed);
  if (scheme && !['tcp', 'https'].includes(scheme[1].toLowerCase())) return undefined;
  const authority = (scheme ? trimmed.slice(scheme[0].length) : trimmed).replace(/\/.*$/, '');
  if (!authority) return undefined;
  // Let the WHATWG URL parser canonicalize the host: it lower-cases names and compresses IPv6.
  let parsed: URL;
  try {
    parsed = new URL(`http://${authority}`);
  } catch {
    return undefined;
  }
  if (parsed.username || parsed.password) return undefined;
  // URL drops the scheme's default port (80 for http), so read the port from the text when it is 80.
  const port = parsed.port || (/:80$/.test(authority) ? '80' : String(DEFAULT_TLS_PORT));
  return `${parsed.hostname}:${port}`;
}
