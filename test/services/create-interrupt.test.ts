import { accessSync, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { withStoreLock } from '../../src/core/store/lock';
import { type CliRun, RunningCli, machineSync } from '../helpers/machine-cli';
import { describeWhen } from '../helpers/prerequisite';
import { makeTempDir } from '../helpers/tmp-store';
import { type SshdFixture, startSshd } from '../ssh/sshd-fixture';

/**
 * A real `machine create` process (the built CLI, generic driver) interrupted with SIGINT or killed
 * with SIGKILL in each phase it can be held in without a VM, then the record's state as later
 * commands see it, and `machine rm` cleaning it up.
 *
 * The generic driver is the cheapest real host: it makes nothing, and each phase is held by a loopback
 * endpoint that answers just far enough: the store lock held by this test (reserve), a port that
 * accepts TCP but never sends an SSH banner (wait for running), one that sends the banner and hangs
 * up (wait for ssh), and Debian's sshd, unprivileged on a free port, whose ForceCommand keeps
 * every command waiting, so provisioning starts and nothing on this machine is changed (provision).
 */

type Phase = 'reserve' | 'wait for running' | 'wait for ssh' | 'provision';

const sshdInstalled = (() => {
  try {
    accessSync('/usr/sbin/sshd');
    return true;
  } catch {
    return false;
  }
})();

describeWhen(sshdInstalled, "Debian's openssh-server (/usr/sbin/sshd)")('a create interrupted in each phase', () => {
  let sshd: SshdFixture;
  let silent: net.Server;
  let bannerOnly: net.Server;
  const sockets = new Set<net.Socket>();

  const listen = async (onConnection: (socket: net.Socket) => void): Promise<net.Server> => {
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      onConnection(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
  };
  const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

  beforeAll(async () => {
    sshd = await startSshd({ extraConfig: ['ForceCommand sleep 600'] });
    silent = await listen(() => undefined);
    // Banner, then hang up: the driver sees sshd, and each SSH attempt fails at once and is retried
    // between pauses that Ctrl-C cuts short (a handshake left hanging would hold the interrupt until
    // its own timeout).
    bannerOnly = await listen((socket) => socket.end('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all([silent, bannerOnly].map((server) => new Promise((resolve) => server.close(resolve))));
    await sshd.stop();
  });

  const portFor = (phase: Phase): number => (phase === 'wait for running' ? portOf(silent) : phase === 'wait for ssh' ? portOf(bannerOnly) : sshd.port);
  const createArgv = (store: string, phase: Phase) => [
    'create', '--json', '-s', store, '--driver', 'generic', '--generic-ip-address', '127.0.0.1', '--generic-ssh-port', String(portFor(phase)),
    '--generic-ssh-user', sshd.user, '--generic-ssh-key', sshd.clientKeyPath, 'web1',
  ];
  /** What shows that create is inside the phase (an NDJSON event on stderr). */
  const inside = (phase: Phase) => (phase === 'reserve' ? /Waiting for the store lock/ : new RegExp(`"event":"phase-start","phase":"${phase}"`));

  const phases: Phase[] = ['reserve', 'wait for running', 'wait for ssh', 'provision'];
  const table = phases.flatMap((phase) => (['SIGINT', 'SIGKILL'] as const).map((signal) => ({ phase, signal })));

  interface Observed {
    run: CliRun;
    record?: { status: string; error?: { phase: string; message: string } };
    row?: { name: string; state: string; errors: string };
    inspected?: CliRun;
    removed?: CliRun;
    leftAfterRm: boolean;
  }

  /** One create, interrupted in `phase` with `signal`, then what ls, inspect and rm make of it. */
  async function scenario(phase: Phase, signal: NodeJS.Signals): Promise<Observed> {
    const store = await makeTempDir('machine-interrupt-');
    const machineDir = path.join(store, 'machines', 'web1');
    let letGo: () => void = () => undefined;
    const release = new Promise<void>((resolve) => (letGo = resolve));
    const held = phase === 'reserve' ? withStoreLock(store, () => release, { purpose: 'machine test-holder' }) : Promise.resolve();
    try {
      const cli = new RunningCli(createArgv(store, phase));
      await cli.waitForStderr(inside(phase), 40_000);
      cli.kill(signal);
      const run = await cli.ended;
      letGo();
      await held;
      const text = await fs.readFile(path.join(machineDir, 'config.json'), 'utf8').catch(() => undefined);
      if (text === undefined) return { run, leftAfterRm: await present(machineDir) };
      const listed = machineSync(['ls', '--json', '-s', store]);
      const [row] = JSON.parse(listed.stdout) as Array<{ name: string; state: string; errors: string }>;
      const inspected = machineSync(['inspect', 'web1', '-s', store]);
      const removed = machineSync(['rm', '-y', '-s', store, 'web1']);
      return { run, record: JSON.parse(text) as Observed['record'], ...(row ? { row } : {}), inspected, removed, leftAfterRm: await present(machineDir) };
    } finally {
      letGo();
      await held;
      await fs.rm(store, { recursive: true, force: true });
    }
  }

  const present = (p: string) => fs.lstat(p).then(() => true, () => false);
  const observed = new Map<string, Promise<Observed>>();
  const key = (phase: Phase, signal: string) => `${signal} ${phase}`;

  // The cases run at once, each with its own store and process (waiting is most of what they do);
  // started once the endpoints are up, then each test below reads its own case.
  beforeAll(() => {
    for (const { phase, signal } of table) {
      const result = scenario(phase, signal);
      result.catch(() => undefined); // reported by the test that reads it
      observed.set(key(phase, signal), result);
    }
  });

  it.each(table)('$signal in "$phase": the record says so, and machine rm cleans it', async ({ phase, signal }) => {
    const seen = await (observed.get(key(phase, signal)) as Promise<Observed>);
    if (phase === 'reserve') {
      // Stopped before anything was reserved: nothing to show, nothing to remove.
      expect(signal === 'SIGINT' ? seen.run.status : seen.run.signal).toBe(signal === 'SIGINT' ? 130 : 'SIGKILL');
      expect(seen.record).toBeUndefined();
      expect(seen.leftAfterRm).toBe(false);
      return;
    }
    if (signal === 'SIGINT') {
      // create noticed, and recorded where it stopped and why.
      expect(seen.run.status).not.toBe(0);
      expect(seen.record).toMatchObject({ status: 'error', error: { phase, message: expect.any(String) } });
      expect(seen.row).toMatchObject({ name: 'web1', state: 'Error', errors: expect.stringContaining(`${phase}: `) });
    } else {
      // Killed outright: the record still says creating, and its creator is gone.
      expect(seen.run.signal).toBe('SIGKILL');
      expect(seen.record?.status).toBe('creating');
      expect(seen.row).toMatchObject({ name: 'web1', state: 'Error (interrupted)', errors: expect.stringMatching(/its create \(pid \d+\) ended without finishing during "([^"]+)"; `machine rm web1` removes what it made/) });
      // The phase it got to, read from the record (written as each phase starts).
      expect(seen.row?.errors).toContain(`during "${phase}"`);
      expect(seen.inspected?.status).toBe(0);
      expect(seen.inspected?.stderr.replace(/\s+/g, ' ')).toContain('machine "web1" is Error (interrupted)');
    }
    expect(seen.removed).toMatchObject({ status: 0, stdout: expect.stringContaining('Removed "web1".') });
    expect(seen.leftAfterRm).toBe(false);
  }, 90_000);
});
