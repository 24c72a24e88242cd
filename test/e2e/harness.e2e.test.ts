/**
 * Smoke test of the end-to-end harness itself: a real base VM boots from the cached image, takes our
 * key, has passwordless sudo, reaches Debian's mirror and the local signed apt repository through QEMU
 * user networking, and the busybox rootfs tar is usable. If this fails, every other e2e test would too.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from 'ssh2';
import { serveSignedAptRepo, type SignedAptRepo } from './harness/apt-repo';
import { buildBusyboxRootfsTar } from './harness/busybox-image';
import { findFreePorts } from './harness/free-port';
import { connectSsh, execOverSsh, type ExecResult } from './harness/ssh-exec';
import { bootVm, generateTestKeyPair, type TestVm } from './harness/vm';
import { dockerOn } from './helpers/docker';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

const MINUTE = 60_000;

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('e2e harness', () => {
  const keys = generateTestKeyPair();
  const suiteStartedAt = Date.now();
  let vm: TestVm;
  let repo: SignedAptRepo;
  let ssh: Client;
  let forwardedPort: number;
  let sharedNetwork: string;

  const run = async (command: string, timeoutMs?: number): Promise<ExecResult> => execOverSsh(ssh, command, timeoutMs);

  beforeAll(async () => {
    const [httpPort, multicastPort] = (await findFreePorts(2)) as [number, number];
    forwardedPort = httpPort;
    sharedNetwork = `230.0.0.1:${multicastPort}`;
    // Boot and repository preparation are independent; overlap them.
    [vm, repo] = await Promise.all([
      bootVm({
        variant: 'base',
        name: 'harness-smoke',
        authorizedKey: keys.publicKey,
        privateKey: keys.privateKey,
        forwardPorts: [forwardedPort],
        extraNic: { mcast: sharedNetwork, mac: '52:54:00:00:76:11', address: '192.168.76.11/24' },
      }),
      serveSignedAptRepo({ codename: 'bookworm', component: 'stable' }),
    ]);
    console.log(`base VM ready in ${(vm.bootMs / 1000).toFixed(1)} s (ssh 127.0.0.1:${vm.sshPort})`);
    ssh = await connectSsh(vm, keys.privateKey);
  }, 15 * MINUTE);

  afterAll(async () => {
    ssh?.end();
    await vm?.stop();
    await repo?.close();
    console.log(`harness smoke suite took ${((Date.now() - suiteStartedAt) / 1000).toFixed(1)} s`);
  }, MINUTE);

  it('logs the cloud-init user in with the test key and gives it passwordless sudo', async () => {
    const whoami = await run('id -un && sudo -n true && echo sudo-ok');
    expect(whoami.stdout.split('\n')).toEqual(['admin', 'sudo-ok', '']);
  });

  it('runs Debian bookworm with a per-VM hostname', async () => {
    const result = await run('cat /etc/os-release; hostname');
    expect(result.stdout).toMatch(/^ID=debian$/m);
    expect(result.stdout).toMatch(/^VERSION_CODENAME=bookworm$/m);
    expect(result.stdout).toMatch(/^harness-smoke$/m);
  });

  it('reaches Debian mirror through QEMU user networking', async () => {
    const result = await run('sudo -n apt-get update -q', 5 * MINUTE);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toMatch(/deb\.debian\.org\/debian bookworm InRelease/);
  }, 6 * MINUTE);

  it('forwards the requested host port 1:1 to the guest', async () => {
    // python3 is in the image for cloud-init; its http.server stands in for any guest service.
    // Started as a transient unit so the server does not hold the SSH channel open.
    const started = await run(`mkdir -p /tmp/www && echo from-guest > /tmp/www/probe && sudo -n systemd-run --quiet --unit=probe-http python3 -m http.server ${forwardedPort} --bind 0.0.0.0 --directory /tmp/www`, MINUTE);
    expect(started).toMatchObject({ code: 0 });
    let response: { status: number; body: string } | undefined;
    for (let attempt = 0; attempt < 30 && response?.status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      response = await httpGet(`http://127.0.0.1:${forwardedPort}/probe`).catch(() => undefined);
    }
    expect(vm.forwarded).toEqual([forwardedPort]);
    expect(response).toEqual({ status: 200, body: 'from-guest\n' });
  }, 2 * MINUTE);

  describe('signed apt repository', () => {
    /** Installs `keyFile` as the repository's Signed-By key in the guest and runs apt-get update on that source only. */
    const updateFromRepo = async (keyFile: string): Promise<ExecResult> => {
      const key = Buffer.from(await fs.readFile(keyFile)).toString('base64');
      const source = `deb [signed-by=/etc/apt/keyrings/machine-test.asc] ${repo.url} bookworm stable`;
      return run(
        [
          'set -e',
          'sudo -n install -d -m 0755 /etc/apt/keyrings',
          `echo ${key} | base64 -d | sudo -n tee /etc/apt/keyrings/machine-test.asc >/dev/null`,
          `echo '${source}' | sudo -n tee /etc/apt/sources.list.d/machine-test.list >/dev/null`,
          // Without this, a failed check after an earlier success only warns and keeps the old lists.
          'sudo -n sh -c "rm -f /var/lib/apt/lists/10.0.2.2*"',
          'sudo -n apt-get update -q -o Dir::Etc::sourcelist=/etc/apt/sources.list.d/machine-test.list -o Dir::Etc::sourceparts=- 2>&1',
        ].join('\n'),
        2 * MINUTE,
      );
    };

    it('publishes a signing key whose fingerprint matches', async () => {
      const shown = execFileSync('gpg', ['--batch', '--with-colons', '--show-keys', repo.keyPath], { encoding: 'utf8', timeout: SYNC_CHILD_TIMEOUT_MS });
      expect(shown).toContain(`fpr:::::::::${repo.fingerprint}:`);
      const index = await httpGet(`${repo.hostUrl}dists/bookworm/stable/binary-amd64/Packages`);
      expect(index.status).toBe(200);
      expect(index.body).toMatch(/^Package: docker\.io$/m);
      expect(index.body).toMatch(/^Package: containerd$/m);
    });

    it('is reachable from the guest and trusted with its own key', async () => {
      const result = await updateFromRepo(repo.keyPath);
      expect(result).toMatchObject({ code: 0 });
      // apt prints the URL without its trailing slash.
      expect(result.stdout).toContain(`${repo.url.replace(/\/$/, '')} bookworm InRelease`);
      expect(result.stdout).not.toMatch(/NO_PUBKEY|not signed|^W: /m);
      const policy = await run('apt-cache policy docker.io');
      expect(policy.stdout).toContain(`${repo.url.replace(/\/$/, '')} bookworm/stable amd64 Packages`);
    }, 3 * MINUTE);

    it('is refused by apt when the wrong key is configured', async () => {
      const result = await updateFromRepo(repo.wrongKeyPath);
      expect(`${result.stdout}${result.stderr}`).toMatch(/NO_PUBKEY|not signed|is not signed/);
      expect(result.code).not.toBe(0);
    }, 3 * MINUTE);
  });

  it('builds a busybox rootfs tar whose shell runs', async () => {
    const tarPath = await buildBusyboxRootfsTar();
    const listing = execFileSync('tar', ['-tvf', tarPath], { encoding: 'utf8', timeout: SYNC_CHILD_TIMEOUT_MS });
    expect(listing).toMatch(/^-rwxr-xr-x 0\/0 .* \.\/bin\/busybox$/m);
    expect(listing).toMatch(/ \.\/bin\/sh -> busybox$/m);
    const extracted = await fs.mkdtemp(path.join(os.tmpdir(), 'busybox-check-'));
    try {
      execFileSync('tar', ['-xf', tarPath, '-C', extracted], { timeout: SYNC_CHILD_TIMEOUT_MS });
      // busybox picks the applet from argv[0], so the symlink alone must make a working shell.
      const output = execFileSync(path.join(extracted, 'bin', 'sh'), ['-c', 'echo hello from busybox | cat'], { encoding: 'utf8', timeout: SYNC_CHILD_TIMEOUT_MS });
      expect(output).toBe('hello from busybox\n');
    } finally {
      await fs.rm(extracted, { recursive: true, force: true });
    }
  });

  it('joins a second VM on the shared socket network with fixed addresses', async () => {
    const peer = await bootVm({
      variant: 'base',
      name: 'harness-peer',
      authorizedKey: keys.publicKey,
      extraNic: { mcast: sharedNetwork, mac: '52:54:00:00:76:12', address: '192.168.76.12/24' },
    });
    try {
      const addresses = await run('ip -4 -o addr show');
      expect(addresses.stdout).toContain('inet 192.168.76.11/24');
      // No ping in the image; reading the peer's SSH banner over the private network proves the link.
      const banner = await run(`python3 -c "import socket; s = socket.create_connection(('192.168.76.12', 22), 10); print(s.recv(64).decode().strip())"`);
      expect(banner.stdout).toMatch(/^SSH-2\.0-OpenSSH/);
    } finally {
      await peer.stop();
    }
  }, 5 * MINUTE);

  it('runs no docker line when machine env fails (dockerOn), instead of reaching whatever engine the environment names', async () => {
    const emptyStore = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-docker-on-'));
    try {
      const result = await dockerOn(emptyStore, 'no-such-machine', 'echo reached-docker-lines');
      expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 1, stdout: '', stderr: expect.stringContaining('machine "no-such-machine" does not exist') });
    } finally {
      await fs.rm(emptyStore, { recursive: true, force: true });
    }
  });

  it('reports a useful error for a bad VM name before starting anything', async () => {
    await expect(bootVm({ variant: 'base', name: 'bad name', authorizedKey: keys.publicKey })).rejects.toThrow(/hostname label/);
  });
});
