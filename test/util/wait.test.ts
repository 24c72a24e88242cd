import { OperationError } from '../../src/core/errors';
import { pollUntil, systemClock } from '../../src/util/wait';
import { FakeClock } from '../helpers/fake-clock';

describe('pollUntil', () => {
  it('returns the first answer and pauses the interval between looks', async () => {
    const clock = new FakeClock();
    const answers = [undefined, undefined, 'ready'];
    const seen: Array<{ attempt: number; elapsedMs: number; remainingMs: number }> = [];
    const value = await pollUntil(
      (attempt) => {
        seen.push(attempt);
        return answers.shift();
      },
      { timeoutMs: 10_000, intervalMs: 1_000, clock },
    );
    expect(value).toBe('ready');
    expect(clock.sleeps).toEqual([1_000, 1_000]);
    expect(seen).toEqual([
      { attempt: 1, elapsedMs: 0, remainingMs: 10_000 },
      { attempt: 2, elapsedMs: 1_000, remainingMs: 9_000 },
      { attempt: 3, elapsedMs: 2_000, remainingMs: 8_000 },
    ]);
  });

  it('gives undefined when time is up, after a last look at the deadline', async () => {
    const clock = new FakeClock();
    let looks = 0;
    const value = await pollUntil(
      () => {
        looks++;
        return undefined;
      },
      { timeoutMs: 2_500, intervalMs: 1_000, clock },
    );
    expect(value).toBeUndefined();
    // Looks at 0, 1 and 2 s, then the pause is cut to the 0.5 s left and the last look is at 2.5 s.
    expect(clock.sleeps).toEqual([1_000, 1_000, 500]);
    expect(looks).toBe(4);
  });

  it('counts the time a slow look takes against the deadline', async () => {
    const clock = new FakeClock();
    let looks = 0;
    await pollUntil(
      () => {
        looks++;
        clock.advance(4_000);
        return undefined;
      },
      { timeoutMs: 10_000, intervalMs: 1_000, clock },
    );
    expect(looks).toBe(3);
    expect(clock.sleeps).toEqual([1_000, 1_000]);
  });

  it('accepts falsy answers other than undefined (false, 0, empty text) as answers', async () => {
    const clock = new FakeClock();
    expect(await pollUntil(() => false, { timeoutMs: 1_000, intervalMs: 100, clock })).toBe(false);
    expect(await pollUntil(() => 0, { timeoutMs: 1_000, intervalMs: 100, clock })).toBe(0);
    expect(clock.sleeps).toEqual([]);
  });

  it('ends at once with the error a look throws', async () => {
    const clock = new FakeClock();
    const failure = pollUntil(
      () => {
        throw new Error('the host said no');
      },
      { timeoutMs: 60_000, intervalMs: 1_000, clock },
    );
    await expect(failure).rejects.toThrow('the host said no');
    expect(clock.sleeps).toEqual([]);
  });

  it('stops when aborted during a pause, with the caller\'s error and without another look', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    clock.onSleep = () => {
      if (clock.sleeps.length === 2) controller.abort();
    };
    let looks = 0;
    const waiting = pollUntil(
      () => {
        looks++;
        return undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, clock, signal: controller.signal, abortError: () => new OperationError('INTERRUPTED', 'interrupted while waiting for the VM') },
    );
    await expect(waiting).rejects.toMatchObject({ code: 'INTERRUPTED', message: 'interrupted while waiting for the VM' });
    expect(looks).toBe(2);
  });

  it('prefers the abort to a timeout when both happen during the last look', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const waiting = pollUntil(
      () => {
        clock.advance(5_000);
        controller.abort();
        return undefined;
      },
      { timeoutMs: 1_000, intervalMs: 100, clock, signal: controller.signal },
    );
    await expect(waiting).rejects.toMatchObject({ code: 'INTERRUPTED' });
  });

  it('does not look at all when already aborted', async () => {
    const probe = jest.fn(() => 'never');
    await expect(pollUntil(probe, { timeoutMs: 1_000, intervalMs: 100, clock: new FakeClock(), signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(probe).not.toHaveBeenCalled();
  });
});

describe('systemClock', () => {
  it('ends a long pause as soon as the signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    await systemClock.sleep(60_000, controller.signal);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('pauses for real without a signal', async () => {
    const started = systemClock.now();
    await systemClock.sleep(30);
    expect(systemClock.now() - started).toBeGreaterThanOrEqual(25);
  });
});
