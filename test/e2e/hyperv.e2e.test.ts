import { execFileSync, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildBusyboxRootfsTar } from './harness/busybox-image';
import { CmdletError } from './harness/hyperv-emulator/host';
import { type HyperVEmulator, startHyperVEmulator } from './harness/hyperv-emulator/server';
import { ensureImage } from './harness/vm';
import { machineBin, runMachine, runShell } from './helpers/cli';
import { dockerOn } from './helpers/docker';
import { type ImageServer, serveImage } from './helpers/image-server';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

/**
 * `machine create --driver hyperv` end to end, through the Hyper-V emulator standing in for
 * powershell.exe (test/e2e/harness/hyperv-emulator): the driver's real runner starts it with -File and
 * each shipped script's name, and it runs that script's behaviour on a QEMU VM (TCG). The image is
 * served over HTTP, so the download, checksum, cache and qcow2-to-VHD paths run for real; the
 * emulated Convert-VHD turns that VHD into the VHDX the VM boots. One VM is shared by the lifecycle
 * tests; the pre-create failures run first and must change nothing.
 */
const MINUTE = 60_000;
/** The CLI wraps long lines to the terminal's width: compare words, not line breaks. */
const flat = (text: string): string => text.replace(/\s+/g, ' ');

describe('hyperv driver through the Hyper-V emulator', () => {
  let store: string;
  let server: ImageServer;
  let emulator: HyperVEmulator;
  let busyboxTar: string;

  const machine = (args: string[]) => runMachine(store, args, { env: emulator.env });
  const createArgs = (name: string, ...extra: string[]) => [
    'create', '--driver', 'hyperv',
    '--hyperv-powershell', emulator.powershell,
    '--hyperv-image', server.imageUrl,
    '--hyperv-memory', '1024', '--hyperv-cpu-count', '2', '--hyperv-disk-size', '10240',
    '--engine-install', 'none',
    ...extra,
    name,
  ];
  const qemuProcessesOn = (vmAddress: string): string[] => {
    const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8', timeout: SYNC_CHILD_TIMEOUT_MS });
    return out.split('\n').filter((line) => line.includes('qemu-system') && line.includes(`hostfwd=tcp:${vmAddress}:22-`));
  };
  const storeFiles = async (): Promise<string[]> => {
    const machines = path.join(store, 'machines');
    return (await fs.readdir(machines).catch(() => [])).map((f) => path.join('machines', f));
  };

  beforeAll(async () => {
    store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-e2e-hyperv-'));
    const [imageDir, tar] = await Promise.all([ensureImage('engine'), buildBusyboxRootfsTar()]);
    busyboxTar = tar;
    server = await serveImage(path.join(imageDir, 'disk.qcow2'));
    emulator = await startHyperVEmulator(imageDir, { switches: [{ name: 'Private LAN', type: 'Private' }, { name: 'Default Switch', type: 'Internal' }, { name: 'Office', type: 'External' }] });
  }, 20 * MINUTE);

  afterAll(async () => {
    for (const name of ['h0', 'h1', 'h2']) await machine(['rm', '-y', '--force', name]).catch(() => undefined);
    await emulator?.close();
    await server?.close();
    await fs.rm(store, { recursive: true, force: true });
  });

  it('pre-create failures (no such switch, not elevated, not Windows) exit 3 and change nothing', async () => {
    const noSwitch = await machine(createArgs('h1', '--hyperv-virtual-switch', 'Nope'));
    expect(noSwitch.code).toBe(3);
    expect(flat(noSwitch.stderr)).toMatch(/no virtual switch named "Nope"; switches here: "Private LAN" \(Private\), "Default Switch" \(Internal\), "Office" \(External\)/);

    emulator.host.configure({ elevated: false });
    const notElevated = await machine(createArgs('h1'));
    emulator.host.configure({ elevated: true });
    expect(notElevated.code).toBe(3);
    expect(flat(notElevated.stderr)).toMatch(/Administrator or a member of Hyper-V Administrators \(S-1-5-32-578\)/);

    emulator.host.configure({ platform: 'Unix' });
    const notWindows = await machine(createArgs('h1'));
    emulator.host.configure({ platform: 'Win32NT' });
    expect(notWindows.code).toBe(3);
    expect(flat(notWindows.stderr)).toMatch(/Hyper-V needs Windows; this PowerShell runs on Unix/);

    expect(emulator.host.list()).toEqual([]);
    expect(await storeFiles()).toEqual([]);
    expect(JSON.parse((await machine(['ls', '--json'])).stdout)).toEqual([]);
    // The host is checked before the image is fetched: nothing was downloaded either.
    expect(server.imageRequests()).toBe(0);
  }, 5 * MINUTE);

  it('a cmdlet failure in create reports its message and category; rm of a machine whose VM was deleted behind our back still cleans up', async () => {
    emulator.host.failNext('start-vm', new CmdletError("'h0' failed to start. Not enough memory in the system to start the virtual machine h0.", 'ResourceUnavailable', 'OutOfMemory,Microsoft.HyperV.PowerShell.Commands.StartVM'));
    const failed = await machine(createArgs('h0', '--keep-on-failure'));
    expect(failed.code).not.toBe(0);
    expect(flat(failed.stderr)).toMatch(/Hyper-V \(start-vm\): 'h0' failed to start\. Not enough memory in the system to start the virtual machine h0\. \[ResourceUnavailable\]/);
    expect(emulator.host.list().map((vm) => [vm.name, vm.state])).toEqual([['h0', 'Off']]);

    // Kept by --keep-on-failure, then deleted in "Hyper-V Manager".
    await emulator.host.deleteBehindBack('h0');
    expect(emulator.host.list()).toEqual([]);
    const removed = await machine(['rm', '-y', 'h0']);
    expect({ code: removed.code, err: removed.code === 0 ? '' : removed.stderr }).toEqual({ code: 0, err: '' });
    expect(removed.stdout).toMatch(/was already gone/);
    expect(await storeFiles()).toEqual([]);
  }, 5 * MINUTE);

  it('Ctrl-C while waiting for the guest removes the VM, its disk and its seed', async () => {
    const child = spawn(process.execPath, [machineBin, ...createArgs('h2', '--json')], { env: { ...process.env, ...emulator.env, MACHINE_STORAGE_PATH: store }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let interrupted = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!interrupted && /waiting for the guest to report its address/.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(interrupted).toBe(true);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/"event":"phase-end","phase":"roll back"/);
    expect(emulator.host.list()).toEqual([]);
    const left = await fs.readdir(path.join(store, 'machines', 'h2'));
    expect(left.filter((f) => ['disk.vhdx', 'seed.iso', 'hyperv'].includes(f))).toEqual([]);
    expect((await machine(['rm', '-y', 'h2'])).code).toBe(0);
    expect(await storeFiles()).toEqual([]);
  }, 5 * MINUTE);

  it('creates a Generation 2 VM on "Default Switch" with the seed as a DVD, and docker runs a container on it', async () => {
    const started = Date.now();
    const created = await machine(createArgs('h1'));
    expect({ code: created.code, stderr: created.code === 0 ? '' : created.stderr }).toEqual({ code: 0, stderr: '' });
    process.stderr.write(`hyperv e2e: create took ${Math.round((Date.now() - started) / 1000)} s\n`);
    // Downloaded once, by the first create above.
    expect(server.imageRequests()).toBe(1);

    const [vm] = emulator.host.list();
    const machineDir = path.join(store, 'machines', 'h1');
    expect(vm).toMatchObject({
      name: 'h1', generation: 2, state: 'Running', running: true, switchName: 'Default Switch', memoryMb: 1024, cpuCount: 2, dynamicMemory: true,
      secureBoot: true, secureBootTemplate: 'MicrosoftUEFICertificateAuthority', automaticCheckpoints: false,
      diskPath: path.join(machineDir, 'disk.vhdx'), dvdPath: path.join(machineDir, 'seed.iso'), path: path.join(machineDir, 'hyperv'),
    });
    const address = vm?.address as string;
    expect((await machine(['ip', 'h1'])).stdout.trim()).toBe(address);
    expect((await machine(['url', 'h1'])).stdout.trim()).toBe(`tcp://${address}:2376`);
    // The disk Hyper-V boots is a VHDX grown to --hyperv-disk-size.
    const info = JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', path.join(machineDir, 'disk.vhdx')], { encoding: 'utf8', timeout: SYNC_CHILD_TIMEOUT_MS })) as { format: string; 'virtual-size': number };
    expect(info).toMatchObject({ format: 'vhdx', 'virtual-size': 10240 * 1024 * 1024 });

    const imported = await dockerOn(store, 'h1', `docker import ${busyboxTar} machine-test/busybox:latest >/dev/null && docker run --rm machine-test/busybox:latest echo hello-hyperv`, { env: emulator.env });
    expect({ code: imported.code, out: imported.stdout.trim(), err: imported.code === 0 ? '' : imported.stderr }).toEqual({ code: 0, out: 'hello-hyperv', err: '' });
    expect((await runShell(store, 'eval "$(machine env h1)" && docker info --format "{{.Name}}"', { env: emulator.env })).stdout.trim()).toBe('h1');
  }, 15 * MINUTE);

  it('stop shuts the guest down (Off), start boots the same disk: files and images survive', async () => {
    expect((await machine(['ssh', 'h1', '--', 'echo kept > ~/persist.txt && sync'])).code).toBe(0);
    const stopped = await machine(['stop', 'h1']);
    expect({ code: stopped.code, err: stopped.code === 0 ? '' : stopped.stderr }).toEqual({ code: 0, err: '' });
    expect((await machine(['status', 'h1'])).stdout.trim()).toBe('Stopped');
    const [vm] = emulator.host.list();
    expect(vm).toMatchObject({ state: 'Off', running: false });
    expect(qemuProcessesOn(vm?.address as string)).toEqual([]);

    const started = await machine(['start', 'h1']);
    expect({ code: started.code, err: started.code === 0 ? '' : started.stderr }).toEqual({ code: 0, err: '' });
    expect((await machine(['ssh', 'h1', '--', 'cat ~/persist.txt'])).stdout.trim()).toBe('kept');
    const ran = await dockerOn(store, 'h1', 'docker run --rm machine-test/busybox:latest echo after-start', { env: emulator.env });
    expect(ran.stdout.trim()).toBe('after-start');
  }, 15 * MINUTE);

  it('kill turns it off at once: Off, and status says Stopped', async () => {
    expect((await machine(['kill', 'h1'])).code).toBe(0);
    expect(emulator.host.list()[0]).toMatchObject({ state: 'Off', running: false });
    expect((await machine(['status', 'h1'])).stdout.trim()).toBe('Stopped');
  }, 5 * MINUTE);

  it('rm removes the VM, its disk, its seed and its configuration, and leaves the image cache alone', async () => {
    const address = emulator.host.list()[0]?.address as string;
    expect((await machine(['rm', '-y', 'h1'])).code).toBe(0);
    expect(emulator.host.list()).toEqual([]);
    expect(qemuProcessesOn(address)).toEqual([]);
    expect(await storeFiles()).toEqual([]);
    expect(JSON.parse((await machine(['ls', '--json'])).stdout)).toEqual([]);
    const cached = await fs.readdir(path.join(store, 'cache', 'images'));
    expect(cached.filter((f) => f.endsWith('.vhd'))).toHaveLength(1);
    expect(cached.filter((f) => f.endsWith('.qcow2'))).toHaveLength(1);
  }, 5 * MINUTE);
});
