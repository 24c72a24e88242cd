import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { utils } from 'ssh2';
import type { CreateContext, DriverEnvironment } from '../../../src/core/driver';
import type { ResourceRecord } from '../../../src/core/machine-record';
import type { QemuConfig } from '../../../drivers/qemu/config';
import { QemuDriver } from '../../../drivers/qemu/qemu-driver';
import { pollUntil } from '../../../src/util/wait';
import { readSshBanner } from '../../e2e/harness/ssh-wait';

/**
 * One real VM through the driver: create -> Running -> SSH banner on the forwarded port -> stop ->
 * Stopped -> remove leaves no process and no file. Boots the project's test image under TCG (nested
 * KVM hangs on the CI host). Opt in with MACHINE_QEMU_REAL=1; takes about a minute.
 */
const real = process.env.MACHINE_QEMU_REAL === '1' ? describe : describe.skip;

async function waitForBanner(port: number, timeoutMs: number): Promise<string> {
  const banner = await pollUntil(async () => (await readSshBanner('127.0.0.1', port, 5_000)) ?? undefined, { timeoutMs, intervalMs: 1_000 });
  if (banner === undefined) throw new Error(`no SSH banner on 127.0.0.1:${port} within ${timeoutMs / 1000}s`);
  return banner;
}

real('QEMU driver on a real VM', () => {
  jest.setTimeout(600_000);
  let store: string;
  let driver: QemuDriver | undefined;

  beforeAll(async () => {
    store = await fs.mkdtemp(path.join(os.tmpdir(), 'qemu-real-'));
  });
  afterAll(async () => {
    await driver?.remove().catch(() => undefined);
    await fs.rm(store, { recursive: true, force: true });
  });

  it('creates, runs, stops and removes a VM', async () => {
    const imageDir = execFileSync('bash', [path.join(__dirname, '../../e2e/vm/image.sh'), 'base'], { encoding: 'utf8' }).trim().split('\n').at(-1) ?? '';
    const manifest = JSON.parse(await fs.readFile(path.join(imageDir, 'manifest.json'), 'utf8')) as { kernel: string; initrd: string; disk: string; append: string };
    const machineDir = path.join(store, 'machines', 'qemu-real');
    await fs.mkdir(machineDir, { recursive: true });
    const keys = utils.generateKeyPairSync('ed25519');
    await fs.writeFile(path.join(machineDir, 'id_ed25519'), keys.private, { mode: 0o600 });

    const config: QemuConfig = {
      image: path.join(imageDir, manifest.disk),
      kernel: path.join(imageDir, manifest.kernel),
      initrd: path.join(imageDir, manifest.initrd),
      append: manifest.append,
      cpus: 1,
      memoryMb: 1024,
      diskSize: '4G',
      accel: 'tcg',
      sshUser: 'docker',
    };
    const state: Record<string, unknown> = {};
    const resources: ResourceRecord[] = [];
    const env: DriverEnvironment<QemuConfig> = { machineName: 'qemu-real', machineDir, sshKeyPath: path.join(machineDir, 'id_ed25519'), storePath: store, config, state, resources };
    driver = new QemuDriver(env, { stopTimeoutMs: 60_000 });
    const ctx: CreateContext = {
      journal: async (r) => void resources.push(r),
      remember: async (s) => void Object.assign(state, s),
      progress: () => undefined,
      signal: new AbortController().signal,
      sshPublicKey: keys.public,
    };

    const t0 = Date.now();
    await driver.preCreateCheck();
    const created = await driver.create(ctx);
    const tCreated = Date.now();
    expect(created).toMatchObject({ ip: '127.0.0.1', ssh: { host: '127.0.0.1', user: 'docker' }, dockerEndpoint: { host: '127.0.0.1' } });
    expect(resources.map((r) => r.kind)).toEqual(['qemu-ports', 'qemu-disk', 'qemu-seed', 'qemu-process']);
    expect(await driver.state()).toBe('Running');

    const banner = await waitForBanner(created.ssh.port, 240_000);
    const tSsh = Date.now();
    expect(banner).toMatch(/^SSH-2\.0-OpenSSH/);

    // A second driver loaded from what create persisted sees the same VM, as later commands do.
    const later = new QemuDriver({ ...env, state: { ...state } }, { stopTimeoutMs: 60_000 });
    expect(await later.state()).toBe('Running');
    await later.stop();
    const tStopped = Date.now();
    expect(await later.state()).toBe('Stopped');

    const pid = Number(resources.find((r) => r.kind === 'qemu-process')?.id);
    await later.remove();
    // Gone, or a zombie waiting for an init that reaps slowly: either way no longer running.
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    expect(stat === '' || /\) [ZX] /.test(stat)).toBe(true);
    expect((await fs.readdir(machineDir)).sort()).toEqual(['id_ed25519']);
    expect(JSON.parse(await fs.readFile(path.join(store, 'qemu', 'ports.json'), 'utf8'))).toEqual({});
    expect(await later.state()).toBe('NotFound');
    driver = undefined;
    // Timings for the report (create includes copying the image into the cache).
    process.stdout.write(`qemu real: create ${tCreated - t0} ms, ssh banner +${tSsh - tCreated} ms, stop +${tStopped - tSsh} ms\n`);
  });
});
