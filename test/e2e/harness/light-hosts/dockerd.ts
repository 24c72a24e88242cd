import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runProcess } from '../../../../src/util/run-process';
import { pollUntil } from '../../../../src/util/wait';
import { trackChild } from '../child-reaper';

/**
 * A dockerd of the test's own: its data, exec root, socket and pidfile live in a temporary folder, so it
 * shares nothing with any other engine on this machine and leaves nothing behind. Its bridge takes a
 * private range of its own (not docker's default 172.17/16, which another daemon could hold); no
 * iptables rules are written, since the hosts are reached through forwards on loopback (tcp-forward.ts).
 */
export interface TestDockerd {
  /** `unix:///.../docker.sock`, for `docker -H`. */
  host: string;
  root: string;
  /** Runs the docker CLI against this daemon; fails on a non-zero exit unless told otherwise. */
  docker(args: string[], options?: { input?: string; timeoutMs?: number; allowNonZeroExit?: boolean }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Removes every container, then stops the daemon by its pid and deletes its folder. */
  stop(): Promise<void>;
}

export interface DockerdOptions {
  /** The bridge's address and prefix; its /22 holds a thousand hosts. */
  bridgeCidr?: string;
}

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

export async function startDockerd(options: DockerdOptions = {}): Promise<TestDockerd> {
  if (!existsSync('/usr/sbin/dockerd') && !existsSync('/usr/bin/dockerd')) throw new Error('dockerd is not installed (Debian package docker.io; .ci/install-deps installs it)');
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-light-dockerd-'));
  const socket = path.join(root, 'docker.sock');
  const pidFile = path.join(root, 'dockerd.pid');
  const host = `unix://${socket}`;
  const log = await fs.open(path.join(root, 'dockerd.log'), 'a');
  const args = [
    '--data-root', path.join(root, 'data'),
    '--exec-root', path.join(root, 'exec'),
    '-H', host,
    '-p', pidFile,
    '--bip', options.bridgeCidr ?? '10.213.0.1/22',
    '--iptables=false',
    '--ip-masq=false',
  ];
  // setpriv's parent-death signal: a test runner killed outright does not leave the daemon running.
  const child = spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', 'dockerd', ...args], { stdio: ['ignore', log.fd, log.fd], detached: true });
  const forget = trackChild(child);
  await log.close();

  const docker: TestDockerd['docker'] = async (dockerArgs, runOptions = {}) => {
    const result = await runProcess('docker', ['-H', host, ...dockerArgs], {
      timeoutMs: runOptions.timeoutMs ?? 120_000,
      allowNonZeroExit: runOptions.allowNonZeroExit ?? false,
      ...(runOptions.input !== undefined ? { input: runOptions.input } : {}),
    });
    return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  };

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const answered = await pollUntil(async () => ((await docker(['version', '--format', '{{.Server.Version}}'], { allowNonZeroExit: true, timeoutMs: 10_000 })).code === 0 ? true : undefined), {
    timeoutMs: START_TIMEOUT_MS,
    intervalMs: 250,
  });
  if (!answered) {
    child.kill('SIGKILL');
    forget();
    const tail = await fs.readFile(path.join(root, 'dockerd.log'), 'utf8').catch(() => '');
    await fs.rm(root, { recursive: true, force: true }).catch(() => undefined);
    throw new Error(`dockerd did not answer on ${socket} within ${START_TIMEOUT_MS / 1000}s:\n${tail.split('\n').slice(-20).join('\n')}`);
  }

  return {
    host,
    root,
    docker,
    async stop() {
      const ids = (await docker(['ps', '-aq'], { allowNonZeroExit: true })).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await docker(['rm', '-f', ...ids], { allowNonZeroExit: true, timeoutMs: 300_000 });
      // By the pid it wrote, as the daemon's own shutdown path expects (SIGTERM unmounts its layers).
      const pid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim()) || child.pid;
      if (pid) process.kill(pid, 'SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STOP_TIMEOUT_MS).unref())]);
      if (!stopped) child.kill('SIGKILL');
      forget();
      await fs.rm(root, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
