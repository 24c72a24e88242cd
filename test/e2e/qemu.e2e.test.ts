import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildBusyboxRootfsTar } from './harness/busybox-image';
import { ensureImage } from './harness/vm';
import { runMachine } from './helpers/cli';
import { dockerOn } from './helpers/docker';
import { type ImageServer, serveImage } from './helpers/image-server';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

/**
 * `machine create --driver qemu` end to end: the test image is served over HTTP on 127.0.0.1 so the
 * download, checksum and cache paths run for real; QEMU runs under TCG (nested KVM hangs here). Then
 * the lifecycle: stop/start keep the disk, kill, restart, two machines at once, rm leaves nothing.
 */
const MINUTE = 60_000;

describe('qemu driver on this machine', () => {
  let store: string;
  let server: ImageServer;
  let imageDir: string;
  let busyboxTar: string;

  const createArgs = async (name: string) => {
    const manifest = JSON.parse(await fs.readFile(path.join(imageDir, 'manifest.json'), 'utf8')) as { append: string };
    return [
      'create', '--driver', 'qemu',
      '--qemu-image', server.imageUrl,
      '--qemu-kernel', path.join(imageDir, 'vmlinuz'), '--qemu-initrd', path.join(imageDir, 'initrd.img'), '--qemu-append', manifest.append,
      '--qemu-accel', 'tcg', '--qemu-cpus', '2', '--qemu-memory', '1024', '--qemu-disk-size', '10G',
      '--engine-install', 'none',
      name,
    ];
  };
  const dockerRun = (name: string, text: string) => dockerOn(store, name, `docker run --rm machine-test/busybox:latest echo ${text}`);
  const qemuProcessesFor = (name: string): string[] => {
    const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8', timeout: SYNC_CHILD_TIMEOUT_MS });
    return out.split('\n').filter((line) => line.includes('qemu-system') && line.includes(path.join(store, 'machines', name)));
  };

  beforeAll(async () => {
    store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-e2e-qemu-'));
    [imageDir, busyboxTar] = await Promise.all([ensureImage('engine'), buildBusyboxRootfsTar()]);
    server = await serveImage(path.join(imageDir, 'disk.qcow2'));
  }, 20 * MINUTE);

  afterAll(async () => {
    // One at a time: rm checks every name first, and a test that failed early may have left only one.
    for (const name of ['q1', 'q2']) await runMachine(store, ['rm', '-y', '--force', name]).catch(() => undefined);
    await server?.close();
    await fs.rm(store, { recursive: true, force: true });
  });

  it('creates a VM from a downloaded, verified image and docker runs a container on it', async () => {
    const created = await runMachine(store, await createArgs('q1'));
    expect({ code: created.code, stderr: created.code === 0 ? '' : created.stderr }).toEqual({ code: 0, stderr: '' });
    expect(server.imageRequests()).toBe(1);
    const imported = await dockerOn(store, 'q1', `docker import ${busyboxTar} machine-test/busybox:latest >/dev/null && echo ok`);
    expect({ code: imported.code, stderr: imported.stderr, stdout: imported.stdout.trim() }).toEqual({ code: 0, stderr: '', stdout: 'ok' });
    expect((await dockerRun('q1', 'hello-qemu')).stdout.trim()).toBe('hello-qemu');
    expect((await runMachine(store, ['url', 'q1'])).stdout.trim()).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
  }, 15 * MINUTE);

  it('stop shows Stopped, start boots the same disk: files and docker survive', async () => {
    expect((await runMachine(store, ['ssh', 'q1', '--', 'echo kept > ~/persist.txt && sync'])).code).toBe(0);
    expect((await runMachine(store, ['stop', 'q1'])).code).toBe(0);
    const ls = JSON.parse((await runMachine(store, ['ls', '--json'])).stdout) as Array<{ name: string; state: string }>;
    expect(ls.find((r) => r.name === 'q1')?.state).toBe('Stopped');
    expect(qemuProcessesFor('q1')).toEqual([]);
    expect((await runMachine(store, ['start', 'q1'])).code).toBe(0);
    expect((await runMachine(store, ['ssh', 'q1', '--', 'cat ~/persist.txt'])).stdout.trim()).toBe('kept');
    expect((await dockerRun('q1', 'after-start')).stdout.trim()).toBe('after-start');
  }, 15 * MINUTE);

  it('kill forces it off and ls never shows a stale Running; restart brings it back', async () => {
    expect((await runMachine(store, ['kill', 'q1'])).code).toBe(0);
    expect((await runMachine(store, ['status', 'q1'])).stdout.trim()).toBe('Stopped');
    expect((await runMachine(store, ['restart', 'q1'])).code).toBe(0);
    expect((await runMachine(store, ['status', 'q1'])).stdout.trim()).toBe('Running');
    expect((await dockerRun('q1', 'after-restart')).stdout.trim()).toBe('after-restart');
  }, 15 * MINUTE);

  it('runs a second machine beside the first from the cached image, without downloading again', async () => {
    const created = await runMachine(store, await createArgs('q2'));
    expect({ code: created.code, stderr: created.code === 0 ? '' : created.stderr }).toEqual({ code: 0, stderr: '' });
    expect(server.imageRequests()).toBe(1);
    const imported = await dockerOn(store, 'q2', `docker import ${busyboxTar} machine-test/busybox:latest >/dev/null && echo ok`);
    expect({ code: imported.code, stderr: imported.stderr, stdout: imported.stdout.trim() }).toEqual({ code: 0, stderr: '', stdout: 'ok' });
    expect((await dockerRun('q1', 'one')).stdout.trim()).toBe('one');
    expect((await dockerRun('q2', 'two')).stdout.trim()).toBe('two');
  }, 15 * MINUTE);

  it('rm leaves no process and no file behind', async () => {
    expect((await runMachine(store, ['rm', '-y', 'q1', 'q2'])).code).toBe(0);
    expect(qemuProcessesFor('q1')).toEqual([]);
    expect(qemuProcessesFor('q2')).toEqual([]);
    expect(await fs.readdir(path.join(store, 'machines'))).toEqual([]);
    expect(JSON.parse((await runMachine(store, ['ls', '--json'])).stdout)).toEqual([]);
  }, 5 * MINUTE);
});
