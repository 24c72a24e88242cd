import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateEd25519OpenSsh } from '../../../../src/ssh/openssh-key';
import type { TestDockerd } from '../light-hosts/dockerd';
import { type TcpForward, forwardTcp } from '../light-hosts/tcp-forward';
import type { GuestHandle, GuestSpec, InstanceBackend } from './backend';

const GUEST_PORTS = [22, 2376];

/**
 * What systemd, sshd and a nested dockerd need in a container on this machine (see
 * shared/reference/light-test-hosts.md): `--privileged` is refused here, these capabilities are not.
 */
const RUN_OPTIONS = [
  ...['SYS_ADMIN', 'NET_ADMIN', 'SYS_PTRACE', 'SYS_MODULE', 'MKNOD', 'NET_RAW', 'SYS_CHROOT', 'SETFCAP', 'AUDIT_WRITE', 'DAC_READ_SEARCH', 'IPC_LOCK', 'SYS_NICE'].flatMap((cap) => ['--cap-add', cap]),
  '--security-opt', 'seccomp=unconfined',
  '--security-opt', 'apparmor=unconfined',
  '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw',
  '--tmpfs', '/run', '--tmpfs', '/run/lock', '--tmpfs', '/tmp',
  // systemd's own "halt" signal: `docker stop` then shuts the host down cleanly, as an ACPI button does.
  '--stop-signal', 'RTMIN+3',
];

/** `SHA256:...` of an OpenSSH public key line, as ssh-keygen -l prints it. */
function fingerprintOf(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Instances as light hosts: containers of `image` (Debian booted by systemd, with sshd and an engine) on a
 * dockerd the test started, each reached on its instance's loopback addresses (ports 22 and 2376, as
 * the QEMU backend forwards them). What cloud-init makes on a VM comes from the backend: the host key is
 * generated here, bind-mounted, and printed on the "console" between cloud-init's fingerprint markers,
 * so the driver pins it exactly as on EC2; the login user's authorized_keys is bind-mounted too. An
 * instance's container persists across stop/start (its files stay) until termination discards it.
 */
export function lightHostBackend(options: { dockerd: TestDockerd; image: string }): InstanceBackend {
  const { dockerd, image } = options;
  const root = fs.mkdtemp(path.join(os.tmpdir(), 'machine-light-hosts-'));
  const forwards = new Map<string, TcpForward[]>();
  const containerOf = lightHostContainer;

  const closeForwards = async (instanceId: string) => {
    const open = forwards.get(instanceId) ?? [];
    forwards.delete(instanceId);
    await Promise.all(open.map((f) => f.close()));
  };

  const writeIdentity = async (dir: string, spec: GuestSpec): Promise<string> => {
    const hostKeyPub = path.join(dir, 'ssh_host_ed25519_key.pub');
    if (!existsSync(hostKeyPub)) {
      await fs.mkdir(dir, { recursive: true });
      const hostKey = generateEd25519OpenSsh(`root@${spec.hostname}`);
      await fs.writeFile(path.join(dir, 'ssh_host_ed25519_key'), hostKey.privateKey, { mode: 0o600 });
      await fs.writeFile(path.join(dir, 'authorized_keys'), `${spec.authorizedKey.trim()}\n`, { mode: 0o644 });
      await fs.writeFile(hostKeyPub, `${hostKey.publicKey.trim()}\n`, { mode: 0o644 });
    }
    return fs.readFile(hostKeyPub, 'utf8');
  };

  return {
    async boot(spec: GuestSpec): Promise<GuestHandle> {
      const dir = path.join(await root, spec.instanceId);
      const hostKeyPub = await writeIdentity(dir, spec);
      const name = containerOf(spec.instanceId);
      const known = await dockerd.docker(['inspect', '--format', '{{.Id}}', name], { allowNonZeroExit: true });
      if (known.code === 0) {
        await dockerd.docker(['start', name]);
      } else {
        const mount = (file: string, target: string) => ['-v', `${path.join(dir, file)}:${target}:ro`];
        await dockerd.docker([
          'run', '--detach', '--name', name, '--hostname', spec.hostname, ...RUN_OPTIONS,
          ...mount('ssh_host_ed25519_key', '/etc/ssh/ssh_host_ed25519_key'),
          ...mount('ssh_host_ed25519_key.pub', '/etc/ssh/ssh_host_ed25519_key.pub'),
          ...mount('authorized_keys', `/home/${spec.user}/.ssh/authorized_keys`),
          image, '/sbin/init',
        ]);
      }
      const bridgeIp = (await dockerd.docker(['inspect', '--format', '{{.NetworkSettings.IPAddress}}', name])).stdout.trim();
      await closeForwards(spec.instanceId);
      const opened = await Promise.all(spec.addresses.flatMap((address) => GUEST_PORTS.map((port) => forwardTcp(address, port, () => ({ host: bridgeIp, port })))));
      forwards.set(spec.instanceId, opened);
      const fingerprint = fingerprintOf(hostKeyPub);
      const console = [
        '-----BEGIN SSH HOST KEY FINGERPRINTS-----',
        `256 ${fingerprint} root@${spec.hostname} (ED25519)`,
        '-----END SSH HOST KEY FINGERPRINTS-----',
        '',
      ].join('\n');
      return {
        consoleText: async () => console,
        powerDown: async (timeoutMs) => {
          await closeForwards(spec.instanceId);
          await dockerd.docker(['stop', '--time', String(Math.max(1, Math.round(timeoutMs / 1000))), name], { allowNonZeroExit: true, timeoutMs: timeoutMs + 30_000 });
        },
        kill: async () => {
          await closeForwards(spec.instanceId);
          await dockerd.docker(['kill', name], { allowNonZeroExit: true });
        },
      };
    },
    async discard(instanceId: string) {
      await closeForwards(instanceId);
      await dockerd.docker(['rm', '--force', '--volumes', containerOf(instanceId)], { allowNonZeroExit: true });
      await fs.rm(path.join(await root, instanceId), { recursive: true, force: true });
    },
    async close() {
      await Promise.all([...forwards.keys()].map((id) => closeForwards(id)));
      await fs.rm(await root, { recursive: true, force: true });
    },
  };
}

/** The container that runs an instance. */
export function lightHostContainer(instanceId: string): string {
  return `light-${instanceId}`;
}
