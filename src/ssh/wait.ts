import { MachineError, OperationError } from '../core/errors';
import { pollUntil, systemClock, type Clock } from '../util/wait';
import { connectSsh, type SshConnectOptions, type SshSession } from './client';
import { debug } from '../util/debug';

export interface WaitForSshOptions {
  timeoutMs: number;
  intervalMs: number;
  signal?: AbortSignal;
  /**
   * For hosts just made with a key we gave them: sshd can answer before cloud-init has installed the
   * key, so authentication failures are retried this long from the start. Zero (the default) keeps
   * them final at once, which is right for keys the user chose.
   */
  authGraceMs?: number;
  /** Default the system clock. */
  clock?: Clock;
}

/** Failures that a host still booting produces; anything else will not get better by waiting. */
const RETRYABLE = new Set(['SSH_UNREACHABLE']);

/**
 * Connects as soon as the host's sshd answers. Unreachable hosts (refused, timed out, no banner yet)
 * are retried until the deadline; an authentication failure or a host key mismatch is final at once,
 * since waiting longer would only hide it.
 */
export async function waitForSsh(options: SshConnectOptions, wait: WaitForSshOptions): Promise<SshSession> {
  const clock = wait.clock ?? systemClock;
  const started = clock.now();
  const readyTimeout = options.readyTimeoutMs ?? 20_000;
  let lastError: MachineError | undefined;
  const session = await pollUntil(
    async ({ elapsedMs, remainingMs }) => {
      try {
        // Never let one attempt run (much) past the deadline.
        return await connectSsh({ ...options, readyTimeoutMs: Math.max(1_000, Math.min(readyTimeout, remainingMs)) });
      } catch (err) {
        const stillBooting = err instanceof MachineError && err.code === 'SSH_AUTH_FAILED' && elapsedMs < (wait.authGraceMs ?? 0);
        if (!(err instanceof MachineError) || (!RETRYABLE.has(err.code) && !stillBooting)) throw err;
        lastError = err;
        debug('retry', () => `${options.machineName}: SSH not ready (${err.message}), trying again in ${Math.min(wait.intervalMs, remainingMs)} ms, ${Math.round(remainingMs / 1000)} s left`);
        return undefined;
      }
    },
    {
      timeoutMs: wait.timeoutMs,
      intervalMs: wait.intervalMs,
      clock,
      ...(wait.signal ? { signal: wait.signal } : {}),
      abortError: () => new OperationError('INTERRUPTED', `interrupted while waiting for SSH on machine "${options.machineName}"`),
    },
  );
  if (session) return session;
  const waited = Math.round((clock.now() - started) / 1000);
  throw new OperationError(
    'SSH_TIMEOUT',
    `machine "${options.machineName}" did not accept SSH on ${options.host}:${options.port} as "${options.user}" within ${waited}s` +
      (lastError ? `; last attempt: ${lastError.message}` : ''),
    [
      `check that the machine booted: \`machine status ${options.machineName}\``,
      `check that port ${options.port} is open to this computer (firewall, security group)`,
    ],
    lastError,
  );
}
