import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { OperationError } from '../../src/core/errors';
import { ProcessError } from '../../src/util/process-error';
import { runProcess } from '../../src/util/run-process';
import { pollUntil, type Clock } from '../../src/util/wait';
import { readPidfile } from './process';

/**
 * Starts QEMU so that it outlives this command. On POSIX, `-daemonize` makes QEMU fork itself away
 * only after it has opened its disks, sockets and port forwards, so the parent's exit status tells us
 * whether the start worked. Windows has no -daemonize: QEMU is spawned detached and watched briefly.
 */
const DAEMONIZE_TIMEOUT_MS = 60_000;
const DETACHED_GRACE_MS = 2_000;
const PIDFILE_TIMEOUT_MS = 10_000;
const PIDFILE_POLL_MS = 100;

export interface LaunchResult {
  pid: number;
}

export interface LaunchOptions {
  daemonize: boolean;
  pidfile: string;
  cwd: string;
  /** Default the system clock; tests pass a fake one. */
  clock?: Clock;
}

export async function launchQemu(binary: string, args: string[], options: LaunchOptions): Promise<LaunchResult> {
  const stderr = options.daemonize ? await startDaemonized(binary, args, options.cwd) : await startDetached(binary, args, options.cwd);
  const pid = await pollUntil(() => readPidfile(options.pidfile), { timeoutMs: PIDFILE_TIMEOUT_MS, intervalMs: PIDFILE_POLL_MS, ...(options.clock ? { clock: options.clock } : {}) });
  if (pid === undefined) throw startError(binary, 'it wrote no pidfile', stderr);
  return { pid };
}

/** POSIX: the QEMU we start is a one-shot program (its daemon lives on); its exit status is the verdict. Returns its stderr. */
async function startDaemonized(binary: string, args: string[], cwd: string): Promise<string> {
  try {
    return (await runProcess(binary, args, { cwd, timeoutMs: DAEMONIZE_TIMEOUT_MS })).stderr;
  } catch (err) {
    if (!(err instanceof ProcessError)) throw err;
    if (err.failure === 'timeout') throw new OperationError('QEMU_START', `${binary} did not finish starting within ${DAEMONIZE_TIMEOUT_MS / 1000}s: ${err.stderr.trim()}`, [], err);
    throw startError(binary, failureReason(err), err.stderr, err);
  }
}

function failureReason(err: ProcessError): string {
  switch (err.failure) {
    case 'exit':
      return `exit ${err.exitCode}`;
    case 'signal':
      return `killed by ${err.signal}`;
    case 'not-found':
      return 'it is not installed or not on PATH';
    default:
      return err.message;
  }
}

/**
 * Windows: without -daemonize the QEMU we start is the VM itself and runs for as long as the machine
 * does, so a runner that waits for the end (runProcess) does not fit. It is spawned detached, watched
 * for a moment in case it fails at once, then let go. Returns what it wrote to stderr meanwhile.
 */
async function startDetached(binary: string, args: string[], cwd: string): Promise<string> {
  const child = spawn(binary, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], detached: true, windowsHide: true });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const outcome = await new Promise<{ code: number | null; error?: Error } | 'running'>((resolve) => {
    const timer = setTimeout(() => resolve('running'), DETACHED_GRACE_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, error });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code });
    });
  });
  if (outcome !== 'running') throw startError(binary, outcome.error ? outcome.error.message : `exit ${outcome.code}`, stderr);
  child.stderr?.destroy();
  child.unref();
  return stderr;
}

export function startError(binary: string, reason: string, stderr: string, cause?: unknown): OperationError {
  const detail = stderr.trim();
  const suggestions: string[] = [];
  if (/host forwarding rule|Could not set up host forwarding/i.test(detail)) {
    suggestions.push('another program took one of this machine\'s ports on 127.0.0.1; stop it, or re-create the machine to get new ports');
  }
  if (/kvm|hvf|whpx|accelerat/i.test(detail)) suggestions.push('try software emulation with --qemu-accel tcg');
  return new OperationError('QEMU_START', `QEMU (${binary}) failed to start (${reason})${detail ? `: ${detail}` : ''}`, suggestions, cause);
}

/** Removes files left by a previous run (a stale pidfile must not be mistaken for the new one). */
export async function removeFiles(files: string[]): Promise<void> {
  await Promise.all(files.map((file) => fs.rm(file, { force: true })));
}
