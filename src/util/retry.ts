import pRetry from 'p-retry';
import { abortCheck, systemClock, type WaitOptions } from './wait';

export interface RetryOptions extends WaitOptions {
  /**
   * The pauses before the second, third... attempt; there are as many retries as pauses. A growing
   * list is a backoff (e.g. 5, 10, 15, 30 s while a cloud releases a resource).
   */
  delaysMs: readonly number[];
  /** Which failures are worth another attempt; default all. The others are thrown at once. */
  shouldRetry?: (error: Error) => boolean;
}

/**
 * Runs `operation` until it succeeds or the pauses run out, then throws its last error. p-retry
 * counts the attempts and stops on a failure that is not retried; the pauses are taken here, on the
 * clock and honouring the signal, because p-retry 4 can do neither (its own timer is set to zero).
 * Like p-retry, a TypeError (a bug, not a transient failure) is never retried.
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const clock = options.clock ?? systemClock;
  const throwIfAborted = abortCheck(options);
  const delays = options.delaysMs;
  return pRetry(
    async (attempt) => {
      throwIfAborted();
      return operation(attempt);
    },
    {
      retries: delays.length,
      minTimeout: 0,
      maxTimeout: 0,
      factor: 1,
      // Throwing here ends the retries with that error; returning lets p-retry try again.
      onFailedAttempt: async (error) => {
        throwIfAborted();
        const delay = delays[error.attemptNumber - 1];
        // p-retry would otherwise report the failure it saw most often, not the last one.
        if (delay === undefined || !(options.shouldRetry?.(error) ?? true)) throw error;
        await clock.sleep(delay, options.signal);
        throwIfAborted();
      },
    },
  );
}
