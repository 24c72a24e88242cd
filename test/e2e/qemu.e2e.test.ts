import { execFileSync, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildBusyboxRootfsTar } from './harness/busybox-image';
import { ensureImage } from './harness/vm';
import { dockerConfigFor, machineBin, runMachine } from './helpers/cli';
import { dockerOn } from './helpers/docker';
import { type ImageServer, serveImage } from './helpers/image-server';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

/**
 * `machine create --driver qemu` end to end: the test image is served over HTTP on 127.0.0.1 so the
 * download, checksum and cache paths run for real; QEMU runs under TCG (nested KVM hangs here). The
 * first machine is provisioned from scratch, then sealed and kept as a provisioned image, and boots
 * again from it. Then the lifecycle: stop/start keep the disk, kill, restart; a second machine boots
 * from the provisioned image with an identity of its own; the image cannot go while machines use it;
 * rm leaves nothing; prune removes the image and the next create provisions from scratch.
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
    for (const name of ['q1', 'q2', 'q3']) await runMachine(store, ['rm', '-y', '--force', name]).catch(() => undefined);
    await server?.close();
    await fs.rm(store, { recursive: true, force: true });
  });

  it('creates a VM from a downloaded, verified image, keeps it as a provisioned image, and docker runs a container on it', async () => {
    const created = await runMachine(store, await createArgs('q1'));
    expect({ code: created.code, stderr: created.code === 0 ? '' : created.stderr }).toEqual({ code: 0, stderr: '' });
    expect(server.imageRequests()).toBe(1);
    expect(created.stderr).toMatch(/provisioned image [0-9a-f]{16} is not cached: full provisioning/);
    expect(created.stderr).toMatch(/seal image done/);
    expect(created.stderr).toMatch(/provisioned image [0-9a-f]{16} is ready for the next machine/);
    const imported = await dockerOn(store, 'q1', `docker import ${busyboxTar} machine-test/busybox:latest >/dev/null && echo ok`);
    expect({ code: imported.code, stderr: imported.stderr, stdout: imported.stdout.trim() }).toEqual({ code: 0, stderr: '', stdout: 'ok' });
    expect((await dockerRun('q1', 'hello-qemu')).stdout.trim()).toBe('hello-qemu');
    expect((await runMachine(store, ['url', 'q1'])).stdout.trim()).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
  }, 20 * MINUTE);

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

  it('runs a second machine beside the first from the provisioned image, without downloading again, with an identity of its own', async () => {
    const started = Date.now();
    const created = await runMachine(store, await createArgs('q2'));
    expect({ code: created.code, stderr: created.code === 0 ? '' : created.stderr }).toEqual({ code: 0, stderr: '' });
    console.log(`second qemu create, from the provisioned image: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(server.imageRequests()).toBe(1);
    expect(created.stderr).toMatch(/booted from provisioned image [0-9a-f]{16} \(image cache\)/);
    expect(created.stderr).not.toMatch(/seal image/);
    // The seed wrote the engine's files at first boot: dockerd started there, configured, and
    // provisioning found it running or joined its start, never restarting it.
    const provisionLog = await fs.readFile(path.join(store, 'machines', 'q2', 'provision.log'), 'utf8');
    expect(provisionLog).toMatch(/^\[[ 0-9.]+s\] engine: (unchanged|started)$/m);
    expect(provisionLog).not.toMatch(/engine: restarted/);
    // One server certificate, issued for the seed and kept by provisioning.
    expect(created.stderr.match(/server certificate issued/g)).toHaveLength(1);
    const [first, second] = await Promise.all([identityOf('q1'), identityOf('q2')]);
    expect(first.hostname).toBe('q1');
    expect(second.hostname).toBe('q2');
    for (const field of ['hostKey', 'machineId', 'engineId'] as const) {
      expect(first[field]).toMatch(/\S{8,}/);
      expect(second[field]).toMatch(/\S{8,}/);
      expect({ field, same: first[field] === second[field] }).toEqual({ field, same: false });
    }
    const imported = await dockerOn(store, 'q2', `docker import ${busyboxTar} machine-test/busybox:latest >/dev/null && echo ok`);
    expect({ code: imported.code, stderr: imported.stderr, stdout: imported.stdout.trim() }).toEqual({ code: 0, stderr: '', stdout: 'ok' });
    expect((await dockerRun('q1', 'one')).stdout.trim()).toBe('one');
    expect((await dockerRun('q2', 'two')).stdout.trim()).toBe('two');
  }, 15 * MINUTE);

  it('cache ls shows the provisioned image and its machines; neither cache rm nor prune deletes it from under them', async () => {
    const listed = await cacheLs();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ state: 'ready', driver: 'qemu', sourceMachine: 'q1', usedBy: ['q1', 'q2'] });
    expect(listed[0].sizeBytes).toBeGreaterThan(0);
    const refused = await runMachine(store, ['cache', 'rm', listed[0].key]);
    expect(refused.code).toBe(1);
    // oclif wraps the message to the terminal's width.
    expect(refused.stderr.replace(/\s+/g, ' ')).toMatch(/in use: the disk of q1, q2 is layered on it/);
    const pruned = await runMachine(store, ['cache', 'prune']);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toMatch(new RegExp(`Kept ${listed[0].key}: used by q1, q2`));
    expect(await cacheLs()).toHaveLength(1);
  }, 5 * MINUTE);

  it('rm leaves no process and no file behind', async () => {
    expect((await runMachine(store, ['rm', '-y', 'q1', 'q2'])).code).toBe(0);
    expect(qemuProcessesFor('q1')).toEqual([]);
    expect(qemuProcessesFor('q2')).toEqual([]);
    expect(await fs.readdir(path.join(store, 'machines'))).toEqual([]);
    expect(JSON.parse((await runMachine(store, ['ls', '--json'])).stdout)).toEqual([]);
  }, 5 * MINUTE);

  it('cache prune removes the unused provisioned image, and the next create provisions from scratch', async () => {
    const [image] = await cacheLs();
    const pruned = await runMachine(store, ['cache', 'prune', '--json']);
    expect(pruned.code).toBe(0);
    expect((JSON.parse(pruned.stdout) as { removed: Array<{ key: string }> }).removed.map((r) => r.key)).toEqual([image.key]);
    expect(await cacheLs()).toEqual([]);
    await expect(fs.access(image.path)).rejects.toThrow();
    // What create decides shows while it makes the host: no need to boot a third VM to the end.
    const { seen, code } = await createUntil('q3', /provisioned image ([0-9a-f]{16}) is not cached: full provisioning/);
    expect(seen?.[1]).toBe(image.key);
    expect(code).not.toBe(0);
    expect((await runMachine(store, ['rm', '-y', '--force', 'q3'])).code).toBe(0);
    expect(qemuProcessesFor('q3')).toEqual([]);
  }, 5 * MINUTE);

  interface CacheRow {
    key: string;
    state: string;
    driver: string;
    sourceMachine: string;
    usedBy: string[];
    sizeBytes: number;
    path: string;
  }
  const cacheLs = async (): Promise<CacheRow[]> => {
    const listed = await runMachine(store, ['cache', 'ls', '--json']);
    expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(listed.stdout) as CacheRow[];
  };

  /** The four things that must be a machine's own even when its disk came from another's. */
  const identityOf = async (name: string) => {
    const host = await runMachine(store, ['ssh', name, '--', 'hostname; cat /etc/machine-id; sudo cat /etc/ssh/ssh_host_ed25519_key.pub']);
    expect({ code: host.code, stderr: host.stderr }).toEqual({ code: 0, stderr: '' });
    const [hostname, machineId, hostKey] = host.stdout.trim().split('\n');
    const engine = await dockerOn(store, name, "docker info --format '{{.ID}}'");
    expect({ code: engine.code, stderr: engine.stderr }).toEqual({ code: 0, stderr: '' });
    return { hostname, machineId, hostKey: hostKey.split(' ').slice(0, 2).join(' '), engineId: engine.stdout.trim() };
  };

  /** Starts a create, interrupts it (Ctrl-C) once its progress matches `pattern`, and waits for its rollback. */
  const createUntil = async (name: string, pattern: RegExp): Promise<{ seen: RegExpMatchArray | null; code: number | null }> => {
    const child = spawn(process.execPath, [machineBin, ...(await createArgs(name))], {
      env: { ...process.env, MACHINE_STORAGE_PATH: store, DOCKER_CONFIG: dockerConfigFor(store) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let seen: RegExpMatchArray | null = null;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (seen === null && (seen = pattern.exec(stderr)) !== null) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
    return { seen, code };
  };
});
