import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { serveSignedAptRepo } from './harness/apt-repo';
import { buildBusyboxRootfsTar } from './harness/busybox-image';
import { type TestVm, bootVm, generateTestKeyPair } from './harness/vm';
import { findFreePorts } from './harness/free-port';
import { runMachine } from './helpers/cli';
import { dockerOn } from './helpers/docker';
import { DockerMachineStoreFixture, genericHostConfig } from '../services/import/docker-machine-store-fixture';

/**
 * --engine-install repo against a signed apt repository served from this machine (apt-ftparchive
 * over Debian's engine packages, signed with a throwaway key), which publishes docker.io in two
 * versions. A wrong key must fail naming the fingerprint we expected; the right key must install the
 * pinned older version from that repository; `machine upgrade` then moves it to the newer one keeping a
 * volume's data; and the same host, written into a docker-machine 0.16 store, is imported into a fresh
 * store where docker reaches it. One VM and one install serve all of it: apt under TCG is the slow part.
 */
const MINUTE = 60_000;

describe('engine from a signed apt repository', () => {
  let store: string;
  let keyFile: string;
  let vm: TestVm;
  let enginePort: number;
  let repo: Awaited<ReturnType<typeof serveSignedAptRepo>>;
  let busyboxTar: string;

  const createArgs = (name: string, repoKey: string, ...extra: string[]) => [
    'create', '--driver', 'generic',
    '--generic-ip-address', '127.0.0.1', '--generic-ssh-port', String(vm.sshPort),
    '--generic-ssh-user', 'admin', '--generic-ssh-key', keyFile, '--generic-engine-port', String(enginePort),
    '--engine-install', 'repo', '--engine-repo-url', repo.url, '--engine-repo-key', repoKey,
    '--engine-repo-suite', 'bookworm', '--engine-repo-component', 'stable',
    ...extra,
    name,
  ];

  beforeAll(async () => {
    store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-e2e-repo-'));
    const keys = generateTestKeyPair();
    keyFile = `${store}-id_ed25519`;
    await fs.writeFile(keyFile, keys.privateKey, { mode: 0o600 });
    enginePort = (await findFreePorts(1))[0];
    [vm, repo, busyboxTar] = await Promise.all([
      bootVm({ variant: 'base', name: 'e2e-repo', authorizedKey: keys.publicKey, privateKey: keys.privateKey, forwardPorts: [enginePort] }),
      serveSignedAptRepo({ packages: ['docker.io', 'containerd', 'runc', 'tini'], codename: 'bookworm', component: 'stable', alsoNewer: ['docker.io'] }),
      buildBusyboxRootfsTar(),
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

  const installed = () => runMachine(store, ['ssh', 'repo-ok', '--', "dpkg-query -W -f='${Version}' docker.io"]);

  it('installs the pinned engine version from the repository and docker works over TLS', async () => {
    const created = await runMachine(store, createArgs('repo-ok', repo.keyPath, '--engine-version', repo.versions['docker.io'].older));
    expect({ code: created.code, stderr: created.code === 0 ? '' : created.stderr }).toEqual({ code: 0, stderr: '' });

    const origin = await runMachine(store, ['ssh', 'repo-ok', '--', 'apt-cache policy docker.io']);
    expect(origin.stdout).toContain(repo.url.replace(/\/$/, ''));
    const sources = await runMachine(store, ['ssh', 'repo-ok', '--', 'cat /etc/apt/sources.list.d/machine-docker.sources']);
    expect(sources.stdout).toMatch(/^Signed-By: \/etc\/apt\/keyrings\/machine-docker\.asc$/m);

    const version = await dockerOn(store, 'repo-ok', `docker version --format '{{.Server.Version}}'`);
    expect({ code: version.code, stderr: version.stderr, version: version.stdout.trim() }).toEqual({ code: 0, stderr: '', version: expect.stringMatching(/^\d+\.\d+/) });
    expect((await installed()).stdout.trim()).toBe(repo.versions['docker.io'].older);
  }, 20 * MINUTE);

  it('upgrades the engine from the older to the newer published version, keeping a volume and its data', async () => {
    const { older, newer } = repo.versions['docker.io'];
    const seeded = await dockerOn(store, 'repo-ok', `docker import ${busyboxTar} machine-test/busybox:latest >/dev/null
docker volume create kept >/dev/null
docker run --rm -v kept:/data machine-test/busybox:latest sh -c 'echo survived > /data/file'`);
    expect({ code: seeded.code, stderr: seeded.stderr }).toEqual({ code: 0, stderr: '' });

    const upgraded = await runMachine(store, ['upgrade', '--json', 'repo-ok']);
    expect({ code: upgraded.code, stderr: upgraded.code === 0 ? '' : upgraded.stderr }).toEqual({ code: 0, stderr: '' });
    const [outcome] = JSON.parse(upgraded.stdout) as Array<{ changed: boolean; engineBefore: string; engineAfter: string; packages: Array<{ package: string; before: string; after: string }> }>;
    expect(outcome.changed).toBe(true);
    expect(outcome.packages).toContainEqual({ package: 'docker.io', before: older, after: newer });
    // The newer package carries the same dockerd build, so /version answers the same version on the new install.
    expect(outcome.engineAfter).toMatch(/^\d+\.\d+/);
    expect(outcome.engineBefore).toMatch(/^\d+\.\d+/);
    expect((await installed()).stdout.trim()).toBe(newer);
    const record = JSON.parse(await fs.readFile(path.join(store, 'machines', 'repo-ok', 'config.json'), 'utf8')) as { engine: { version?: string } };
    expect(record.engine.version).toBeUndefined();

    const after = await dockerOn(store, 'repo-ok', 'docker run --rm -v kept:/data machine-test/busybox:latest cat /data/file');
    expect({ code: after.code, out: after.stdout.trim() }).toEqual({ code: 0, out: 'survived' });

    const again = await runMachine(store, ['upgrade', 'repo-ok']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already the newest/);
  }, 20 * MINUTE);

  it('imports the host from a docker-machine 0.16 store and docker runs against the imported machine', async () => {
    // The docker-machine store holds the very certificates and key dockerd on the host runs with.
    const dmRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-e2e-dm-'));
    const target = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-e2e-imported-'));
    try {
      const dm = new DockerMachineStoreFixture(dmRoot);
      await fs.mkdir(dm.certsDir, { recursive: true });
      for (const f of ['ca.pem', 'cert.pem', 'key.pem']) await fs.copyFile(path.join(store, 'machines', 'repo-ok', f), path.join(dm.certsDir, f));
      // Named as the host calls itself (provisioning set its hostname to repo-ok), so docker info names it.
      const config = genericHostConfig(dmRoot, 'repo-ok', { ip: '127.0.0.1', user: 'admin', port: vm.sshPort }) as { Driver: Record<string, unknown> };
      config.Driver.EnginePort = enginePort;
      await dm.writeMachine('repo-ok', config, { sshKeyFrom: keyFile });
      for (const f of ['server.pem', 'server-key.pem']) await fs.copyFile(path.join(store, 'machines', 'repo-ok', f), path.join(dm.machineDir('repo-ok'), f));

      const imported = await runMachine(target, ['import', '--from-docker-machine', dmRoot]);
      expect({ code: imported.code, stderr: imported.code === 0 ? '' : imported.stderr }).toEqual({ code: 0, stderr: '' });
      expect(imported.stdout).toMatch(/Imported "repo-ok" \(generic\), docker-machine's certificates kept/);
      expect(await fs.readFile(path.join(target, 'machines', 'repo-ok', 'known_hosts'), 'utf8')).toContain(`[127.0.0.1]:${vm.sshPort}`);

      const docker = await dockerOn(target, 'repo-ok', 'docker run --rm -v kept:/data machine-test/busybox:latest cat /data/file');
      expect({ code: docker.code, out: docker.stdout.trim(), stderr: docker.stderr }).toEqual({ code: 0, out: 'survived', stderr: '' });
    } finally {
      await fs.rm(dmRoot, { recursive: true, force: true });
      await fs.rm(target, { recursive: true, force: true });
    }
  }, 10 * MINUTE);
});
