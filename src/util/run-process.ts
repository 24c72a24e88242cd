import execa from 'execa';
import { existsSync } from 'node:fs';
import { ProcessError, type ProcessFailure } from './process-error';

/**
 * The one way this project runs a program to completion (a tool, a helper, a one-shot command): a
 * time limit, an optional AbortSignal, output captured as text, optional stdin, and a ProcessError
 * that names the command line and the end of its stderr when it fails. execa does the process
 * handling (stream collection, SIGKILL when SIGTERM is ignored, killing the child when this
 * process exits). A stopped program's own children are not hunted down: like a shell, we signal only
 * the program we started. Long-lived processes that must outlive the call (a VM) are not
 * run through here.
 */
export interface RunProcessOptions {
  /** Required, so every caller decides how long its program may take; it is stopped after this. */
  timeoutMs: number;
  /** Stops the program (SIGTERM, then SIGKILL after 5 s) and fails with failure 'aborted'. */
  signal?: AbortSignal;
  /** Written to the program's stdin, which is then closed. Without it stdin is empty (/dev/null). */
  input?: string;
  cwd?: string;
  /** The program's whole environment (not additions to ours); default this process's. */
  env?: NodeJS.ProcessEnv;
  /** 'inherit' lets the program's stderr through to ours as it runs (progress of long builds); it is then not captured. */
  stderr?: 'capture' | 'inherit';
  /** Resolve with the exit code instead of failing when the program exits non-zero (a missing program, a time-out or an abort still fail). */
  allowNonZeroExit?: boolean;
}

export interface ProcessResult {
  /** Exactly what the program printed (the final newline is kept). */
  stdout: string;
  stderr: string;
  exitCode: number;
}

export async function runProcess(file: string, args: readonly string[], options: RunProcessOptions): Promise<ProcessResult> {
  const fail = (failure: ProcessFailure, extra: Partial<ConstructorParameters<typeof ProcessError>[0]> = {}): ProcessError =>
    new ProcessError({ file, args, failure, stdout: '', stderr: '', ...extra });
  if (options.signal?.aborted) throw fail('aborted');

  // One AbortSignal stops the program for both reasons, the caller's abort and the time limit. Not
  // execa's `timeout`: it reaches Node's spawn, whose timer outlives a program that never started
  // (ENOENT) and holds this process open until it fires. Stopping through spawn's `signal` also makes
  // execa hand back at once with the output so far, even if a grandchild still holds the pipes.
  const stop = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, options.timeoutMs);
  const onAbort = (): void => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // execa 5's types predate spawn's `signal` option, which it passes on to spawn unchanged.
  const execaOptions: execa.Options & { signal: AbortSignal } = {
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    extendEnv: false,
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
    stderr: options.stderr === 'inherit' ? 'inherit' : 'pipe',
    signal: stop.signal,
    stripFinalNewline: false,
    // Every failure is classified below, from one result object, instead of from a thrown error.
    reject: false,
    windowsHide: true,
  };
  let result: execa.ExecaReturnValue & { code?: string; originalMessage?: string };
  try {
    result = await execa(file, [...args], execaOptions);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }

  const output = { stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
  if (timedOut) throw fail('timeout', { ...output, timeoutMs: options.timeoutMs });
  if (options.signal?.aborted) throw fail('aborted', output);
  if (result.signal) throw fail('signal', { ...output, signal: result.signal });
  if (typeof result.exitCode !== 'number') {
    // No exit status: the program never ran. ENOENT is a missing program, or a missing working folder.
    if (result.code === 'ENOENT' && options.cwd !== undefined && !existsSync(options.cwd)) {
      throw fail('cannot-start', { ...output, reason: `its working folder ${options.cwd} does not exist` });
    }
    if (result.code === 'ENOENT') throw fail('not-found', output);
    throw fail('cannot-start', { ...output, reason: result.originalMessage ?? result.code ?? 'unknown reason' });
  }
  if (result.exitCode !== 0 && !options.allowNonZeroExit) throw fail('exit', { ...output, exitCode: result.exitCode });
  return { ...output, exitCode: result.exitCode };
}
