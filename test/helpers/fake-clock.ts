import type { Clock } from '../../src/util/wait';

/**
 * A clock for unit tests of waiting code: sleep moves time forward at once, so a five-minute wait runs
 * in microseconds. It records every pause, and `onSleep` lets a test act at a pause (abort, change
 * the world) the way a user or a machine would while the real code waits.
 */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  onSleep: ((ms: number) => void) | undefined;

  constructor(private time = 1_700_000_000_000) {}

  now(): number {
    return this.time;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    this.onSleep?.(ms);
    // As the real clock: an abort ends the pause early, so no time passes.
    if (signal?.aborted) return;
    this.time += ms;
  }

  /** Time that passes while the code under test is busy (a slow probe, a long attempt). */
  advance(ms: number): void {
    this.time += ms;
  }
}
