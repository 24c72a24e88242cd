import { MachineError } from '../core/errors';
import type { RemoteSession } from '../ssh/session';
import type { ScriptFile } from './script-bundle';
import { parseMarker } from './script-output';

/** What the first look at a host found (provision-scripts/probe-host.sh). */
export interface HostProbe {
  /** The SSH user is root: scripts run without sudo. */
  userIsRoot: boolean;
  /** The SSH user's name, for messages. */
  user: string;
  /** A private folder (the SSH user's, 0700) for this operation's files; the caller removes it. */
  stagingDir: string;
  /** Every global address the host reports, container bridges left out. */
  addresses: string[];
}

export const PROBE_SCRIPT = 'probe-host.sh';

/** Runs probe-host.sh from stdin: nothing of ours is on the host before it, not even a folder. */
export const PROBE_COMMAND = 'sh -s';

/**
 * One round trip for what used to take four: the user, a staging folder and the host's addresses.
 * Whether sudo works is learnt from the first root command (see sudoRefused).
 */
export async function probeHost(session: RemoteSession, scripts: ScriptFile[]): Promise<HostProbe> {
  const script = scripts.find((s) => s.relativePath === PROBE_SCRIPT);
  if (!script) throw new Error(`internal: ${PROBE_SCRIPT} is not in the provisioning scripts`);
  const result = await session.exec(PROBE_COMMAND, { stdin: script.content });
  const markers = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const marker = parseMarker(line);
    if (marker) markers.set(marker.name, marker.value);
  }
  const uid = markers.get('uid');
  if (uid === undefined) {
    throw new MachineError(`cannot look at the host over SSH: the probe printed no user id (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`, {
      code: 'PROVISION_FAILED',
    });
  }
  const stagingDir = markers.get('staging') ?? '';
  if (!/^\/[A-Za-z0-9._/-]+$/.test(stagingDir)) {
    throw new MachineError(`provisioning failed at upload: cannot make a staging folder on the host (mktemp -d): ${result.stderr.trim() || stagingDir}`, {
      code: 'PROVISION_FAILED',
    });
  }
  return { userIsRoot: uid === '0', user: markers.get('user') || 'the SSH user', stagingDir, addresses: parseIpAddrOutput(result.stdout) };
}

/**
 * The addresses in `ip -o addr show scope global` output, so a client using any of them passes TLS
 * verification. Container bridges are left out: they appear only once dockerd runs, and counting them
 * would make the second provision re-issue the certificate and restart dockerd for nothing.
 */
export function parseIpAddrOutput(output: string): string[] {
  const addresses: string[] = [];
  for (const line of output.split('\n')) {
    // "2: eth0    inet 10.0.2.15/24 brd 10.0.2.255 scope global eth0"
    const match = /^\d+:\s+(\S+)\s+inet6?\s+([0-9a-fA-F.:]+)\//.exec(line);
    if (!match) continue;
    const [, iface, address] = match;
    if (/^(docker\d*|br-|veth|docker_gwbridge|cni|flannel|cali)/.test(iface)) continue;
    addresses.push(address);
  }
  return addresses;
}
