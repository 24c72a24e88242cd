import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PreCreateCheckError } from '../../../src/core/errors';
import type { QemuConfig } from '../../../drivers/qemu/config';
import { QemuDriver } from '../../../drivers/qemu/qemu-driver';

const config: QemuConfig = { image: '/images/base.qcow2', cpus: 1, memoryMb: 512, diskSize: '4G', accel: 'kvm', sshUser: 'docker' };
let store: string;
let machineDir: string;

beforeEach(async () => {
  store = await fs.mkdtemp(path.join(os.tmpdir(), 'qemu-driver-'));
  machineDir = path.join(store, 'machines', 'dev1');
  await fs.mkdir(machineDir, { recursive: true });
});
afterEach(() => fs.rm(store, { recursive: true, force: true }));

const driver = (overrides: Partial<QemuConfig> = {}, state: Record<string, unknown> = {}): QemuDriver =>
  new QemuDriver({ machineName: 'dev1', machineDir, sshKeyPath: path.join(machineDir, 'id_ed25519'), storePath: store, config: { ...config, ...overrides }, state, resources: [] });
const file = (name: string): string => path.join(machineDir, name);

describe('QemuDriver.state without a live QEMU', () => {
  it('is NotFound without a disk and Stopped with one', async () => {
    expect(await driver().state()).toBe('NotFound');
    await fs.writeFile(file('disk.qcow2'), '');
    expect(await driver().state()).toBe('Stopped');
  });

  it('is Stopped, never stale Running, when the pidfile names a process that is not our QEMU', async () => {
    await fs.writeFile(file('disk.qcow2'), '');
    await fs.writeFile(file('serial.log'), 'Debian GNU/Linux 12 dev1 ttyS0\n');
    // This very test process exists but is not QEMU for this folder (as after a reboot reused the PID).
    await fs.writeFile(file('qemu.pid'), `${process.pid}\n`);
    expect(await driver().state()).toBe('Stopped');
    await fs.writeFile(file('qemu.pid'), `${2 ** 22 + 11}\n`);
    expect(await driver().state()).toBe('Stopped');
  });

  it('is Error when QEMU died before the guest printed anything', async () => {
    await fs.writeFile(file('disk.qcow2'), '');
    await fs.writeFile(file('qemu.pid'), `${2 ** 22 + 11}\n`);
    expect(await driver().state()).toBe('Error');
    expect(await driver().diagnose()).toMatch(/printed nothing.*--qemu-accel tcg/);
  });

  it('always answers 127.0.0.1 and the recorded SSH port', async () => {
    const d = driver({}, { sshPort: 40022, enginePort: 40376 });
    expect(await d.ip()).toBe('127.0.0.1');
    expect(await d.sshEndpoint()).toEqual({ host: '127.0.0.1', port: 40022, user: 'docker', keyPath: file('id_ed25519') });
  });

  it('remove is idempotent and kill/stop of a stopped machine succeed', async () => {
    await fs.writeFile(file('disk.qcow2'), '');
    await fs.writeFile(file('seed.iso'), '');
    await fs.writeFile(file('qemu.pid'), `${2 ** 22 + 11}\n`);
    await driver().stop();
    await driver().kill();
    await driver().remove();
    await driver().remove();
    expect(await fs.readdir(machineDir)).toEqual([]);
  });
});

describe('QemuDriver.preCreateCheck', () => {
  it('names the packages that provide a missing QEMU', async () => {
    const check = driver({ binary: 'qemu-system-definitely-missing' }).preCreateCheck();
    await expect(check).rejects.toBeInstanceOf(PreCreateCheckError);
    await expect(check).rejects.toMatchObject({
      suggestions: expect.arrayContaining([expect.stringContaining('qemu-system-x86'), expect.stringContaining('qemu-kvm'), expect.stringContaining('brew install qemu'), expect.stringContaining('SoftwareFreedomConservancy.QEMU')]),
    });
  });

  it('refuses an accelerator the host does not offer', async () => {
    const d = new QemuDriver(
      { machineName: 'dev1', machineDir, sshKeyPath: path.join(machineDir, 'id_ed25519'), storePath: store, config: { ...config, accel: 'hvf' }, state: {}, resources: [] },
      { hostFacts: async () => ({ platform: 'linux', arch: 'x64', kvmUsable: true, compiledIn: ['tcg', 'kvm'] }) },
    );
    await expect(d.preCreateCheck()).rejects.toThrow(/--qemu-accel hvf/);
  });
});
