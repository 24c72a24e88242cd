import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { MachineError } from '../../../src/core/errors';
import { withStoreLock } from '../../../src/core/store/lock';
import { RunningCli, repoRoot } from '../../helpers/machine-cli';
import { itWhen } from '../../helpers/prerequisite';
import { MachineStore } from '../../../src/core/store/machine-store';
import { StoreLayout } from '../../../src/core/store-layout';
import { makeTempDir, sampleRecord } from '../../helpers/tmp-store';

/**
 * The store lock between real processes: a holder that is another `node` process (the built lock
 * module), killed or alive; a holder on another host; and the built CLI waiting for it, interrupted
 * with SIGINT, or facing a store on a read-only file system.
 */

let root: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  root = await makeTempDir();
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await fs.rm(root, { recursive: true, force: true });
});

/** Another process holding the store lock until killed (or for `holdMs`), as `machine test-holder`; a timer keeps it alive. */
async function holder(holdMs = 0): Promise<ChildProcess> {
  const script = `
    const { withStoreLock } = require(${JSON.stringify(path.join(repoRoot, 'dist/src/core/store/lock.js'))});
    withStoreLock(process.argv[1], () => { console.log('held'); return new Promise((r) => ${holdMs > 0 ? `setTimeout(r, ${holdMs})` : 'setInterval(() => undefined, 1000)'}); }, { purpose: 'machine test-holder' });
  `;
  const child = spawn(process.execPath, ['-e', script, root], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('held') && resolve());
    child.on('exit', (code) => reject(new Error(`the holder exited with ${code}`)));
  });
  return child;
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

const lockFile = () => path.join(root, '.lock');

describe('a holder that is gone', () => {
  it.each([
    ['killed with SIGKILL', async () => killed(await holder())],
    [
      'whose PID now belongs to another process (start time differs)',
      async () => {
        const other = await holder(60_000);
        const text = await fs.readFile(lockFile(), 'utf8');
        await killed(other);
        // Our own PID stands in for "a process alive now, started at another time than the holder".
        await fs.writeFile(lockFile(), JSON.stringify({ ...JSON.parse(text), pid: process.pid, startTime: '1' }));
      },
    ],
    ['on another host, silent for longer than the stale time', async () => {
      await fs.writeFile(lockFile(), JSON.stringify({ pid: 1, hostname: `not-${os.hostname()}`, command: 'machine create x', since: '' }));
      const old = new Date(Date.now() - 120_000);
      await fs.utimes(lockFile(), old, old);
    }],
    ['that died before writing who it was (an empty lock file, older than a few seconds)', async () => {
      await fs.writeFile(lockFile(), '');
      const old = new Date(Date.now() - 10_000);
      await fs.utimes(lockFile(), old, old);
    }],
    ['of an earlier release (a lock folder), not refreshed for longer than its stale time', async () => {
      await fs.mkdir(lockFile());
      const old = new Date(Date.now() - 20_000);
      await fs.utimes(lockFile(), old, old);
    }],
  ])('%s: its lock is broken at once, with a line saying so', async (_what, leave) => {
    await leave();
    const lines: string[] = [];
    const { value, ms } = await timed(() => withStoreLock(root, async () => 'ran', { notify: (l) => lines.push(l) }));
    expect(value).toBe('ran');
    expect(ms).toBeLessThan(1_000);
    expect(lines).toEqual([expect.stringMatching(/^The store lock was held by .*, which is no longer running: lock broken\.$/)]);
    await expect(fs.access(lockFile())).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('a holder that is alive', () => {
  it('after a second, the waiter says what it waits for; the time it gives up after is the time it waited', async () => {
    const child = await holder();
    const lines: string[] = [];
    const started = Date.now();
    const err = await withStoreLock(root, async () => 'ran', { waitMs: 1_500, notify: (l) => lines.push(l) }).catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect(err).toBeInstanceOf(MachineError);
    expect((err as MachineError).code).toBe('STORE_LOCKED');
    expect((err as MachineError).message).toContain(`is locked by \`machine test-holder\` (pid ${child.pid} on ${os.hostname()}`);
    expect((err as MachineError).message).toContain(`did not free up within ${Math.round(waited / 1000)}s`);
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^Waiting for the store lock at ${root}: held by \`machine test-holder\` \\(pid ${child.pid} on `))]);
  });

  it('on another host and refreshed recently: waited for, not broken', async () => {
    await fs.writeFile(lockFile(), JSON.stringify({ pid: 1, hostname: `not-${os.hostname()}`, command: 'machine create x', since: '' }));
    await expect(withStoreLock(root, async () => 'ran', { waitMs: 500, notify: () => undefined })).rejects.toMatchObject({ code: 'STORE_LOCKED' });
  });

  it('of an earlier release, refreshed recently: waited for, not broken', async () => {
    await fs.mkdir(lockFile());
    await expect(withStoreLock(root, async () => 'ran', { waitMs: 500, notify: () => undefined })).rejects.toMatchObject({
      code: 'STORE_LOCKED',
      message: expect.stringContaining('is locked by a machine command of an earlier release'),
    });
  });

  it.each([
    ['SIGINT', 130, 'interrupted'],
    ['SIGTERM', 143, 'stopped (SIGTERM)'],
  ])('a wait aborted for %s ends at once with exit %i, the work never run', async (signal, exit, words) => {
    await holder();
    const controller = new AbortController();
    let ran = false;
    const waiting = withStoreLock(root, async () => void (ran = true), { signal: controller.signal, notify: () => undefined });
    setTimeout(() => controller.abort(signal), 300);
    const { value: err, ms } = await timed(() => waiting.catch((e: unknown) => e));
    expect(err).toMatchObject({ code: 'INTERRUPTED', exit, message: `${words} while waiting for the store lock: nothing was changed` });
    expect(ms).toBeLessThan(1_000);
    expect(ran).toBe(false);
  });

  it('the waiter goes on as soon as the holder lets go', async () => {
    await holder(800);
    const { value } = await timed(() => withStoreLock(root, async () => 'ran', { notify: () => undefined }));
    expect(value).toBe('ran');
  });
});

describe('the built CLI', () => {
  let listener: net.Server;
  let port: number;
  let key: string;

  beforeAll(async () => {
    // The generic driver's pre-create check only needs something to accept TCP on loopback.
    listener = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as net.AddressInfo).port;
    key = path.join(await makeTempDir(), 'id_ed25519');
    await fs.writeFile(key, 'a key that is never used: create stops at reserve', { mode: 0o600 });
  });
  afterAll(async () => {
    await new Promise((resolve) => listener.close(resolve));
    await fs.rm(path.dirname(key), { recursive: true, force: true });
  });

  const create = (store: string) => ['create', '-s', store, '--driver', 'generic', '--generic-ip-address', '127.0.0.1', '--generic-ssh-port', String(port), '--generic-ssh-key', key, 'web1'];

  it('Ctrl-C while create waits for the lock: exit 130 at once, and nothing reserved', async () => {
    let letGo: () => void = () => undefined;
    const held = withStoreLock(root, () => new Promise<void>((resolve) => (letGo = resolve)), { purpose: 'machine test-holder' });
    const cli = new RunningCli(create(root));
    try {
      // The CLI's hints repeat --storage-path, and its progress lines are hints too.
      await cli.waitForStderr(/Waiting for the store lock at .*: held by `machine (--storage-path \S+ )?test-holder` \(pid \d+/);
      cli.kill('SIGINT');
      const run = await cli.ended;
      expect(run.status).toBe(130);
      expect(run.stderr.replace(/\s+/g, ' ')).toContain('interrupted while waiting for the store lock: nothing was changed');
      await expect(fs.lstat(path.join(root, 'machines', 'web1'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      letGo();
      await held;
    }
  });

  const canUnshare = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;
  itWhen(canUnshare, 'root and unshare -m (a private mount namespace for a read-only bind mount)')('a store on a read-only file system says so (create, rm), not "locked by another command"', async () => {
    await new MachineStore(new StoreLayout(root)).reserve(sampleRecord('old1'));
    const before = execFileSync('find', [root, '-printf', '%p %m\\n'], { encoding: 'utf8' });
    // The read-only mount exists only in each CLI's own mount namespace; nothing else sees it.
    const readOnly = ['unshare', '-m', 'sh', '-c', 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"', root];
    const runs = await Promise.all([new RunningCli(create(root), {}, readOnly).ended, new RunningCli(['rm', '-f', '-s', root, 'old1'], {}, readOnly).ended]);
    for (const run of runs) {
      expect(run.status).toBe(1);
      expect(run.stderr.replace(/\s+/g, ' ')).toContain(`the store at ${root} is on a read-only file system (EROFS), and this command must change it`);
      expect(run.stderr).not.toMatch(/locked|a bug/);
    }
    expect(execFileSync('find', [root, '-printf', '%p %m\\n'], { encoding: 'utf8' })).toBe(before);
  });
});
