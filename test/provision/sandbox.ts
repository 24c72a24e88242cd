import { spawnSync } from 'node:child_process';

/**
 * Runs a provision script for real as root inside fresh mount, UTS and network namespaces, with /etc
 * and /run as throwaway overlays, so it can change the host name, /etc and ports without touching this
 * machine. `setup` is shell run inside the sandbox first (to seed files or put fakes on PATH).
 */
export interface SandboxRun {
  status: number;
  stdout: string;
  stderr: string;
}

const HARNESS = `
set -eu
work=$1; shift
mkdir -p "$work/etc-upper" "$work/etc-work"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$work/etc-upper,workdir=$work/etc-work" /etc
mount -t tmpfs tmpfs /run
ip link set lo up 2>/dev/null || true
eval "$SANDBOX_SETUP"
exec "$@"
`;

/**
 * Sandbox setup that hides this machine's own dockerd: the scripts look in /usr/sbin too, where a
 * dockerd may be (the fleet tests install docker.io), and a fresh host has none.
 */
export const HIDE_HOST_DOCKERD =
  'mkdir -p "$work/sbin-upper" "$work/sbin-work" && mount -t overlay overlay -o "lowerdir=/usr/sbin,upperdir=$work/sbin-upper,workdir=$work/sbin-work" /usr/sbin && rm -f /usr/sbin/dockerd';

export const SANDBOX_NEEDS = 'root and unshare with mount, UTS and network namespaces';

export function sandboxAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = spawnSync('unshare', ['--mount', '--uts', '--net', '--fork', 'true']);
  return probe.status === 0;
}

export function runInSandbox(work: string, setup: string, command: string[], env: Record<string, string>): SandboxRun {
  const result = spawnSync('unshare', ['--mount', '--uts', '--net', '--fork', 'sh', '-c', HARNESS, 'sandbox', work, ...command], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, SANDBOX_SETUP: setup },
    timeout: 60_000,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
