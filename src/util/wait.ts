import { setTimeout as timerSleep } from 'node:timers/promises';
import { OperationError } from '../core/errors';

/**
 * The one way this project waits: until a condition holds (pollUntil, here) or until an operation
 * succeeds (retry, in retry.ts). Both read time from a Clock, so a unit test passes a clock whose sleep
 * moves time forward at once and runs hours of waiting in microseconds; both stop as soon as an
 * AbortSignal fires.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts. It never rejects: the caller checks the signal. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => timerSleep(ms, undefined, signal ? { signal } : {}).catch(() => undefined),
};

export interface WaitOptions {
  signal?: AbortSignal;
  /** Default the system clock. */
  clock?: Clock;
  /** The error thrown when `signal` aborts; callers name what was being waited for. */
  abortError?: () => Error;
}

export interface PollOptions extends WaitOptions {
  timeoutMs: number;
  /** The pause between two looks (cut short at the deadline). */
  intervalMs: number;
}

/** What one look is told: its number (from 1), and the time spent and left (never below 0). */
export interface PollAttempt {
  attempt: number;
  elapsedMs: number;
  remainingMs: number;
}

/**
 * Calls `probe` until it returns something other than undefined, and returns that. Resolves undefined
 * when the time is up: the caller says what timed out, and how. The last look happens at the deadline,
 * so a condition that came true during the final pause is not reported as a timeout. An error thrown
 * by `probe` ends the wait (catch inside the probe what should be retried); an abort throws abortError().
 */
export async function pollUntil<T>(probe: (attempt: PollAttempt) => Promise<T | undefined> | T | undefined, options: PollOptions): Promise<T | undefined> {
  const clock = options.clock ?? systemClock;
  const throwIfAborted = abortCheck(options);
  const started = clock.now();
  const deadline = started + options.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted();
    const now = clock.now();
    const value = await probe({ attempt, elapsedMs: now - started, remainingMs: Math.max(0, deadline - now) });
    if (value !== undefined) return value;
    throwIfAborted();
    const left = deadline - clock.now();
    if (left <= 0) return undefined;
    await clock.sleep(Math.min(options.intervalMs, left), options.signal);
  }
}

/** A function that throws the abort error once the signal has fired. */
export function abortCheck(options: WaitOptions): () => void {
  return () => {
    if (!options.signal?.aborted) return;
    throw options.abortError?.() ?? new OperationError('INTERRUPTED', 'interrupted while waiting');
  };
}
