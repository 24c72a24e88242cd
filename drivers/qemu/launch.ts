import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { OperationError } from '../../src/core/errors';
import { readPidfile } from './process';

/**
 * Starts QEMU so that it outlives this command. On POSIX, `-daemonize` makes QEMU fork itself away
 * only after it has opened its disks, sockets and port forwards, so the parent's exit status tells us
 * whether the start worked. Windows has no -daemonize: QEMU is spawned detached and watched briefly.
 */
const DAEMONIZE_TIMEOUT_MS = 60_000;
const DETACHED_GRACE_MS = 2_000;

export interface LaunchResult {
  pid: number;
}

export async function launchQemu(binary: string, args: string[], options: { daemonize: boolean; pidfile: string; cwd: string }): Promise<LaunchResult> {
  const child = spawn(binary, args, { cwd: options.cwd, stdio: ['ignore', 'ignore', 'pipe'], detached: !options.daemonize, windowsHide: true });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const outcome = await new Promise<{ code: number | null; error?: Error } | 'running'>((resolve) => {
    const timer = setTimeout(() => resolve('running'), options.daemonize ? DAEMONIZE_TIMEOUT_MS : DETACHED_GRACE_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, error });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code });
    });
  });
  if (outcome === 'running') {
    if (options.daemonize) {
      child.kill('SIGKILL');
      throw new OperationError('QEMU_START', `${binary} did not finish starting within ${DAEMONIZE_TIMEOUT_MS / 1000}s: ${stderr.trim()}`);
    }
    child.stderr?.destroy();
    child.unref();
  } else if (outcome.error || outcome.code !== 0) {
    throw startError(binary, outcome.error ? outcome.error.message : `exit ${outcome.code}`, stderr);
  }
  const pid = await waitForPidfile(options.pidfile);
  if (pid === undefined) throw startError(binary, 'it wrote no pidfile', stderr);
  return { pid };
}

export function startError(binary: string, reason: string, stderr: string): OperationError {
  const detail = stderr.trim();
  const suggestions: string[] = [];
  if (/host forwarding rule|Could not set up host forwarding/i.test(detail)) {
    suggestions.push('another program took one of this machine\'s ports on 127.0.0.1; stop it, or re-create the machine to get new ports');
  }
  if (/kvm|hvf|whpx|accelerat/i.test(detail)) suggestions.push('try software emulation with --qemu-accel tcg');
  return new OperationError('QEMU_START', `QEMU (${binary}) failed to start (${reason})${detail ? `: ${detail}` : ''}`, suggestions);
}

async function waitForPidfile(pidfile: string, timeoutMs = 10_000): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pid = await readPidfile(pidfile);
    if (pid !== undefined) return pid;
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Removes files left by a previous run (a stale pidfile must not be mistaken for the new one). */
export async function removeFiles(files: string[]): Promise<void> {
  await Promise.all(files.map((file) => fs.rm(file, { force: true })));
}
