import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUSYBOX_IMAGE_REF, buildBusyboxRootfsTar } from './harness/busybox-image';
import { ensureImage } from './harness/vm';
import { runMachine, runShell } from './helpers/cli';
import { dockerOn } from './helpers/docker';
import { type ImageServer, serveImage } from './helpers/image-server';

/**
 * Swarm mode end to end: three QEMU machines (one vCPU each, TCG) on one `--qemu-network`, a QEMU
 * socket-multicast L2 bound to 127.0.0.1. `machine swarm init` on the first, two workers join; a
 * three-replica busybox service lands one task per node and its published port answers on every node
 * through the routing mesh; `machine swarm leave` of a worker drains it and the service runs three
 * tasks on the two others again; `machine rm` of the only manager is refused while workers depend on it.
 * Wall times of init, each join and the reconvergence are printed for the closing note.
 */
const MINUTE = 60_000;
const NODES = ['s1', 's2', 's3'] as const;
/**
 * Measured with a task running (the service test prints it): 256-272 MiB in use of the 707 MiB the
 * guest sees; 768 leaves room for the page cache and a second task after the leave.
 */
const MEMORY_MB = 768;
const SERVICE_PORT = 8080;

interface MemberOutcome {
  name: string;
  role: string;
  clusterId: string;
  nodeId: string;
  advertiseAddr: string;
  ms: number;
}

describe('swarm mode on three QEMU machines sharing a network', () => {
  let store: string;
  let server: ImageServer;
  let imageDir: string;
  let busyboxTar: string;
  // A network of this run's own: another store's machines on the same host never share its L2.
  const network = `swarm-e2e-${randomBytes(3).toString('hex')}`;
  const addresses = new Map<string, string>();
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

  const createArgs = async (name: string) => {
    const manifest = JSON.parse(await fs.readFile(path.join(imageDir, 'manifest.json'), 'utf8')) as { append: string };
    return [
      'create', '--driver', 'qemu',
      '--qemu-image', server.imageUrl,
      '--qemu-kernel', path.join(imageDir, 'vmlinuz'), '--qemu-initrd', path.join(imageDir, 'initrd.img'), '--qemu-append', manifest.append,
      '--qemu-accel', 'tcg', '--qemu-cpus', '1', '--qemu-memory', String(MEMORY_MB), '--qemu-disk-size', '10G',
      '--qemu-network', network,
      // The engine image has dockerd installed; one boot each (no seal-and-reboot of a provisioned image).
      '--engine-install', 'none', '--no-image-cache',
      name,
    ];
  };

  /** The service's running tasks as `docker service ps` shows them: one `node state` line each. */
  const runningTasks = async (): Promise<string[]> => {
    const ps = await dockerOn(store, 's1', "docker service ps web --filter desired-state=running --format '{{.Node}} {{.CurrentState}}'");
    if (ps.code !== 0) throw new Error(`docker service ps failed: ${ps.stderr}`);
    return ps.stdout.split('\n').filter((l) => l.trim() !== '');
  };
  const nodesRunning = (tasks: string[]) => tasks.filter((t) => /\sRunning\b/.test(t)).map((t) => t.split(' ')[0] ?? '');
  const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds(timeoutMs)}`);
      await new Promise((r) => setTimeout(r, 2_000));
    }
  };

  beforeAll(async () => {
    store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-e2e-swarm-'));
    [imageDir, busyboxTar] = await Promise.all([ensureImage('engine'), buildBusyboxRootfsTar()]);
    server = await serveImage(path.join(imageDir, 'disk.qcow2'));
  }, 20 * MINUTE);

  afterAll(async () => {
    for (const name of NODES) await runMachine(store, ['rm', '-y', '--force', name]).catch(() => undefined);
    await server?.close();
    await fs.rm(store, { recursive: true, force: true });
  });

  it('creates three one-vCPU machines (two at once), each with its own address on the shared network', async () => {
    const started = Date.now();
    // The first create downloads the base image into the store's cache; the other two then boot beside
    // each other from it (parallel creates would download the same image into the cache at once).
    const first = await runMachine(store, await createArgs('s1'));
    const created = [first, ...(await Promise.all(NODES.slice(1).map(async (name) => runMachine(store, await createArgs(name)))))];
    for (const [i, result] of created.entries()) expect({ name: NODES[i], code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ name: NODES[i], code: 0, stderr: '' });
    console.log(`swarm e2e: three machines created (the first alone, then two at once) in ${seconds(Date.now() - started)}`);
    for (const [i, result] of created.entries()) {
      const address = /address (\d+\.\d+\.\d+\.\d+) on QEMU network/.exec(result.stderr)?.[1];
      expect(address).toMatch(/^192\.168\.\d+\.\d+$/);
      addresses.set(NODES[i], address ?? '');
    }
    expect(new Set(addresses.values()).size).toBe(3);
    // The second NIC is up with that address inside each guest (the joins below prove the peers reach it).
    for (const name of NODES) {
      const shown = await runMachine(store, ['ssh', name, '--', 'ip -4 -o addr show']);
      expect(shown.stdout).toContain(`inet ${addresses.get(name)}/24`);
    }
  }, 20 * MINUTE);

  it('swarm init on s1, then s2 and s3 join as workers; swarm ls and ls agree', async () => {
    const init = await runMachine(store, ['swarm', 'init', 's1', '--json']);
    expect({ code: init.code, stderr: init.code === 0 ? '' : init.stderr }).toEqual({ code: 0, stderr: '' });
    const manager = JSON.parse(init.stdout) as MemberOutcome;
    expect(manager).toMatchObject({ name: 's1', role: 'manager', advertiseAddr: addresses.get('s1') });
    console.log(`swarm e2e: swarm init ${seconds(manager.ms)}`);
    for (const name of ['s2', 's3']) {
      const join = await runMachine(store, ['swarm', 'join', name, '--manager', 's1', '--json']);
      expect({ name, code: join.code, stderr: join.code === 0 ? '' : join.stderr }).toEqual({ name, code: 0, stderr: '' });
      const [joined] = JSON.parse(join.stdout) as MemberOutcome[];
      expect(joined).toMatchObject({ name, role: 'worker', clusterId: manager.clusterId, advertiseAddr: addresses.get(name) });
      console.log(`swarm e2e: swarm join ${name} ${seconds(joined.ms)}`);
    }
    // No join token is ever shown: the record and the outputs never hold one.
    const recordText = await Promise.all(NODES.map((n) => fs.readFile(path.join(store, 'machines', n, 'config.json'), 'utf8')));
    expect(recordText.join('\n')).not.toMatch(/SWMTKN/);

    const listing = JSON.parse((await runMachine(store, ['swarm', 'ls', '--json'])).stdout) as { clusterId: string; nodes: Array<{ machine?: string; role: string; state: string; reachable: boolean; availability: string; engineVersion: string }> };
    expect(listing.clusterId).toBe(manager.clusterId);
    expect(listing.nodes.map((n) => [n.machine, n.role, n.state, n.availability, n.reachable])).toEqual([
      ['s1', 'manager', 'ready', 'active', true],
      ['s2', 'worker', 'ready', 'active', true],
      ['s3', 'worker', 'ready', 'active', true],
    ]);
    for (const node of listing.nodes) expect(node.engineVersion).toMatch(/^\d+\.\d+/);
    const ls = JSON.parse((await runMachine(store, ['ls', '--json'])).stdout) as Array<{ name: string; swarm?: string }>;
    expect(ls.map((r) => [r.name, r.swarm])).toEqual([['s1', 'manager'], ['s2', 'worker'], ['s3', 'worker']]);
    // swarm env of a worker points docker at the manager.
    const env = await runShell(store, 'unset DOCKER_HOST DOCKER_CONTEXT; eval "$(machine swarm env s3)" && docker info --format "{{.Name}} {{.Swarm.ControlAvailable}}"');
    expect({ code: env.code, stdout: env.stdout.trim() }).toEqual({ code: 0, stdout: 's1 true' });
  }, 15 * MINUTE);

  it('a three-replica service lands one task per node, and its published port answers on every node through the routing mesh', async () => {
    const imported = await Promise.all(NODES.map((n) => dockerOn(store, n, `docker import ${busyboxTar} ${BUSYBOX_IMAGE_REF} >/dev/null && echo ok`)));
    for (const result of imported) expect({ code: result.code, stderr: result.stderr, stdout: result.stdout.trim() }).toEqual({ code: 0, stderr: '', stdout: 'ok' });
    // --no-resolve-image: no registry is reachable; every node has the image locally.
    const create = await dockerOn(
      store,
      's1',
      `docker service create --detach --quiet --name web --replicas 3 --no-resolve-image --publish published=${SERVICE_PORT},target=${SERVICE_PORT} ${BUSYBOX_IMAGE_REF} sh -c 'hostname > /tmp/index.html && exec httpd -f -p ${SERVICE_PORT} -h /tmp'`,
    );
    expect({ code: create.code, stderr: create.stderr }).toEqual({ code: 0, stderr: '' });
    const started = Date.now();
    const placed = await waitFor('three running tasks', async () => {
      const nodes = nodesRunning(await runningTasks());
      return nodes.length === 3 ? nodes : undefined;
    }, 6 * MINUTE);
    console.log(`swarm e2e: service converged to 3 running tasks in ${seconds(Date.now() - started)}`);
    expect([...placed].sort()).toEqual(['s1', 's2', 's3']);

    // Each node's published port, asked from s1 over the shared network: the ingress of that node answers.
    for (const name of NODES) {
      const url = `http://${addresses.get(name)}:${SERVICE_PORT}/`;
      const answer = await waitFor(`the routing mesh on ${name}`, async () => {
        const curl = await runMachine(store, ['ssh', 's1', '--', `curl -s --max-time 5 ${url} || true`]);
        return /^[0-9a-f]{12}$/.test(curl.stdout.trim()) ? curl.stdout.trim() : undefined;
      }, 3 * MINUTE);
      expect(answer).toMatch(/^[0-9a-f]{12}$/);
    }
    const memory = await Promise.all(NODES.map((n) => runMachine(store, ['ssh', n, '--', "awk '/MemTotal|MemAvailable/ {print $2}' /proc/meminfo"])));
    for (const [i, m] of memory.entries()) {
      const [total, available] = m.stdout.trim().split('\n').map((kb) => Math.round(Number(kb) / 1024));
      console.log(`swarm e2e: ${NODES[i]} memory in use with a task running: ${(total ?? 0) - (available ?? 0)} of ${total} MiB`);
    }
  }, 15 * MINUTE);

  it('swarm leave of a worker drains it, and the service runs three tasks on the two others again', async () => {
    const started = Date.now();
    const leave = await runMachine(store, ['swarm', 'leave', 's3']);
    expect({ code: leave.code, stderr: leave.code === 0 ? '' : leave.stderr }).toEqual({ code: 0, stderr: '' });
    expect(leave.stdout).toMatch(/drained in/);
    expect(leave.stdout).toMatch(/removed from the swarm/);
    const nodes = await waitFor('three running tasks on s1 and s2', async () => {
      const running = nodesRunning(await runningTasks());
      return running.length === 3 && running.every((n) => n === 's1' || n === 's2') ? running : undefined;
    }, 6 * MINUTE);
    console.log(`swarm e2e: swarm leave s3 ${seconds(Date.now() - started)} until 3 tasks ran on s1 and s2 again`);
    expect(new Set(nodes)).toEqual(new Set(['s1', 's2']));
    const listing = JSON.parse((await runMachine(store, ['swarm', 'ls', '--json'])).stdout) as { nodes: Array<{ machine?: string }> };
    expect(listing.nodes.map((n) => n.machine)).toEqual(['s1', 's2']);
    const ls = JSON.parse((await runMachine(store, ['ls', '--json'])).stdout) as Array<{ name: string; swarm?: string }>;
    expect(ls.find((r) => r.name === 's3')?.swarm).toBe('-');
  }, 15 * MINUTE);

  it('machine rm of the only manager is refused while a worker depends on it', async () => {
    const rm = await runMachine(store, ['rm', '-y', 's1']);
    expect(rm.code).toBe(1);
    expect(rm.stderr.replace(/\s+/g, ' ')).toMatch(/"s1" is the only manager of its swarm and 1 node depends on it/);
    expect((await runMachine(store, ['status', 's1'])).stdout.trim()).toBe('Running');
    expect(nodesRunning(await runningTasks())).toHaveLength(3);
  }, 10 * MINUTE);
});
