import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { serveSignedAptRepo } from './harness/apt-repo';
import { buildBusyboxRootfsTar } from './harness/busybox-image';
import { type TestVm, bootVm, generateTestKeyPair } from './harness/vm';
import { findFreePorts } from './harness/free-port';
import { runMachine, runShell } from './helpers/cli';
import { DockerMachineStoreFixture, genericHostConfig } from '../services/import/docker-machine-store-fixture';

/**
 * One VM for both: `machine upgrade` against the served apt repository, which publishes docker.io in
 * two versions (create pins the older with --engine-version), keeping a volume's data; then the same
 * host written into a docker-machine 0.16 store (config.json, certs, key) and imported into a fresh
 * store, where docker runs against the imported machine.
 */
const MINUTE = 60_000;
const NAME = 'upg1';

describe('machine upgrade and machine import on one VM', () => {
  let store: string;
  let keyFile: string;
  let vm: TestVm;
  let enginePort: number;
  let busyboxTar: string;
  let repo: Awaited<ReturnType<typeof serveSignedAptRepo>>;

  beforeAll(async () => {
    store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-e2e-upgrade-'));
    const keys = generateTestKeyPair();
    keyFile = `${store}-id_ed25519`;
    await fs.writeFile(keyFile, keys.privateKey, { mode: 0o600 });
    enginePort = (await findFreePorts(1))[0];
    [vm, repo, busyboxTar] = await Promise.all([
      bootVm({ variant: 'base', name: 'e2e-upgrade', authorizedKey: keys.publicKey, privateKey: keys.privateKey, forwardPorts: [enginePort] }),
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

  it('upgrades the engine from the older to the newer published version, keeping a volume and its data', async () => {
    const { older, newer } = repo.versions['docker.io'];
    const created = await runMachine(store, [
      'create', '--driver', 'generic',
      '--generic-ip-address', '127.0.0.1', '--generic-ssh-port', String(vm.sshPort),
      '--generic-ssh-user', 'admin', '--generic-ssh-key', keyFile, '--generic-engine-port', String(enginePort),
      '--engine-install', 'repo', '--engine-repo-url', repo.url, '--engine-repo-key', repo.keyPath,
      '--engine-repo-suite', 'bookworm', '--engine-repo-component', 'stable', '--engine-version', older,
      NAME,
    ]);
    expect({ code: created.code, stderr: created.code === 0 ? '' : created.stderr }).toEqual({ code: 0, stderr: '' });
    const installed = () => runMachine(store, ['ssh', NAME, '--', "dpkg-query -W -f='${Version}' docker.io"]);
    expect((await installed()).stdout.trim()).toBe(older);

    const seeded = await runShell(store, `eval "$(machine env ${NAME})" && set -e
      docker import ${busyboxTar} machine-test/busybox:latest >/dev/null
      docker volume create kept >/dev/null
      docker run --rm -v kept:/data machine-test/busybox:latest sh -c 'echo survived > /data/file'`);
    expect({ code: seeded.code, stderr: seeded.stderr }).toEqual({ code: 0, stderr: '' });

    const upgraded = await runMachine(store, ['upgrade', '--json', NAME]);
    expect({ code: upgraded.code, stderr: upgraded.code === 0 ? '' : upgraded.stderr }).toEqual({ code: 0, stderr: '' });
    const [outcome] = JSON.parse(upgraded.stdout) as Array<{ changed: boolean; engineBefore: string; engineAfter: string; packages: Array<{ package: string; before: string; after: string }> }>;
    expect(outcome.changed).toBe(true);
    expect(outcome.packages).toContainEqual({ package: 'docker.io', before: older, after: newer });
    // The newer package carries the same dockerd build, so /version answers the same version on the new install.
    expect(outcome.engineAfter).toMatch(/^\d+\.\d+/);
    expect(outcome.engineBefore).toMatch(/^\d+\.\d+/);
    expect((await installed()).stdout.trim()).toBe(newer);
    const record = JSON.parse(await fs.readFile(path.join(store, 'machines', NAME, 'config.json'), 'utf8')) as { engine: { version?: string } };
    expect(record.engine.version).toBeUndefined();

    const after = await runShell(store, `eval "$(machine env ${NAME})" && docker info --format '{{.Name}}' && docker run --rm -v kept:/data machine-test/busybox:latest cat /data/file`);
    expect({ code: after.code, out: after.stdout.trim().split('\n') }).toEqual({ code: 0, out: [NAME, 'survived'] });

    const again = await runMachine(store, ['upgrade', NAME]);
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
      for (const f of ['ca.pem', 'cert.pem', 'key.pem']) await fs.copyFile(path.join(store, 'machines', NAME, f), path.join(dm.certsDir, f));
      const config = genericHostConfig(dmRoot, 'legacy', { ip: '127.0.0.1', user: 'admin', port: vm.sshPort }) as { Driver: Record<string, unknown> };
      config.Driver.EnginePort = enginePort;
      await dm.writeMachine('legacy', config, { sshKeyFrom: keyFile });
      for (const f of ['server.pem', 'server-key.pem']) await fs.copyFile(path.join(store, 'machines', NAME, f), path.join(dm.machineDir('legacy'), f));

      const imported = await runMachine(target, ['import', '--from-docker-machine', dmRoot]);
      expect({ code: imported.code, stderr: imported.code === 0 ? '' : imported.stderr }).toEqual({ code: 0, stderr: '' });
      expect(imported.stdout).toMatch(/Imported "legacy" \(generic\), docker-machine's certificates kept/);
      expect(await fs.readFile(path.join(target, 'machines', 'legacy', 'known_hosts'), 'utf8')).toContain(`[127.0.0.1]:${vm.sshPort}`);

      const docker = await runShell(target, `eval "$(machine env legacy)" && docker info --format '{{.Name}}' && docker run --rm -v kept:/data machine-test/busybox:latest cat /data/file`);
      expect({ code: docker.code, out: docker.stdout.trim().split('\n'), stderr: docker.stderr }).toEqual({ code: 0, out: [NAME, 'survived'], stderr: '' });
    } finally {
      await fs.rm(dmRoot, { recursive: true, force: true });
      await fs.rm(target, { recursive: true, force: true });
    }
  }, 10 * MINUTE);
});
