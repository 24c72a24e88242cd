import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { serveSignedAptRepo } from './harness/apt-repo';
import { type TestVm, bootVm, generateTestKeyPair } from './harness/vm';
import { findFreePorts } from './harness/free-port';
import { runMachine } from './helpers/cli';
import { dockerOn } from './helpers/docker';

/**
 * --engine-install repo against a signed apt repository served from this machine (apt-ftparchive
 * over Debian's engine packages, signed with a throwaway key). A wrong key must fail naming the
 * fingerprint we expected; the right key must install from that repository.
 */
const MINUTE = 60_000;

describe('engine from a signed apt repository', () => {
  let store: string;
  let keyFile: string;
  let vm: TestVm;
  let enginePort: number;
  let repo: Awaited<ReturnType<typeof serveSignedAptRepo>>;

  const createArgs = (name: string, repoKey: string) => [
    'create', '--driver', 'generic',
    '--generic-ip-address', '127.0.0.1', '--generic-ssh-port', String(vm.sshPort),
    '--generic-ssh-user', 'admin', '--generic-ssh-key', keyFile, '--generic-engine-port', String(enginePort),
    '--engine-install', 'repo', '--engine-repo-url', repo.url, '--engine-repo-key', repoKey,
    '--engine-repo-suite', 'bookworm', '--engine-repo-component', 'stable',
    name,
  ];

  beforeAll(async () => {
    store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-e2e-repo-'));
    const keys = generateTestKeyPair();
    keyFile = `${store}-id_ed25519`;
    await fs.writeFile(keyFile, keys.privateKey, { mode: 0o600 });
    enginePort = (await findFreePorts(1))[0];
    [vm, repo] = await Promise.all([
      bootVm({ variant: 'base', name: 'e2e-repo', authorizedKey: keys.publicKey, privateKey: keys.privateKey, forwardPorts: [enginePort] }),
      serveSignedAptRepo({ packages: ['docker.io', 'containerd', 'runc', 'tini'], codename: 'bookworm', component: 'stable' }),
    ]);
  }, 20 * MINUTE);

  afterAll(async () => {
    await vm?.stop();
    await repo?.close();
    await fs.rm(store, { recursive: true, force: true });
    await fs.rm(keyFile, { force: true });
  });

  it('refuses the repository when the given key did not sign it, naming the expected fingerprint', async () => {
    const { armoredKeyFingerprint } = await import('../../src/provision/openpgp');
    const wrongFingerprint = armoredKeyFingerprint(await fs.readFile(repo.wrongKeyPath, 'utf8'));
    const failed = await runMachine(store, createArgs('repo-wrong', repo.wrongKeyPath));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(wrongFingerprint);
    expect(failed.stderr).toMatch(/not signed by the key/);
    expect((await runMachine(store, ['rm', '-y', 'repo-wrong'])).code).toBe(0);
  }, 15 * MINUTE);

  it('installs the engine from the repository and docker works over TLS', async () => {
    const created = await runMachine(store, createArgs('repo-ok', repo.keyPath));
    expect({ code: created.code, stderr: created.code === 0 ? '' : created.stderr }).toEqual({ code: 0, stderr: '' });

    const origin = await runMachine(store, ['ssh', 'repo-ok', '--', 'apt-cache policy docker.io']);
    expect(origin.stdout).toContain(repo.url.replace(/\/$/, ''));
    const sources = await runMachine(store, ['ssh', 'repo-ok', '--', 'cat /etc/apt/sources.list.d/machine-docker.sources']);
    expect(sources.stdout).toMatch(/^Signed-By: \/etc\/apt\/keyrings\/machine-docker\.asc$/m);

    const version = await dockerOn(store, 'repo-ok', `docker version --format '{{.Server.Version}}'`);
    expect({ code: version.code, stderr: version.stderr, version: version.stdout.trim() }).toEqual({ code: 0, stderr: '', version: expect.stringMatching(/^\d+\.\d+/) });
  }, 20 * MINUTE);
});
