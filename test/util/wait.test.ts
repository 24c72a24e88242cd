import { OperationError } from '../../src/core/errors';
import { pollUntil, retry, systemClock } from '../../src/util/wait';
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

describe('retry', () => {
  it('retries after each pause of the list and returns the first success', async () => {
    const clock = new FakeClock();
    const attempts: number[] = [];
    const value = await retry(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 3) throw new Error(`busy ${attempt}`);
        return 'deleted';
      },
      { delaysMs: [5_000, 10_000, 15_000, 30_000], clock },
    );
    expect(value).toBe('deleted');
    expect(attempts).toEqual([1, 2, 3]);
    expect(clock.sleeps).toEqual([5_000, 10_000]);
  });

  it('throws the last failure once the pauses are used up', async () => {
    const clock = new FakeClock();
    const failures = ['in use', 'in use', 'still in use'];
    const outcome = retry(
      async () => {
        throw new Error(failures.shift());
      },
      { delaysMs: [1, 2], clock },
    );
    await expect(outcome).rejects.toThrow(/^still in use$/);
    expect(clock.sleeps).toEqual([1, 2]);
  });

  it('makes exactly one attempt with no pauses', async () => {
    const operation = jest.fn(async () => {
      throw new Error('no');
    });
    await expect(retry(operation, { delaysMs: [], clock: new FakeClock() })).rejects.toThrow('no');
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it('throws at once a failure that is not worth retrying', async () => {
    class Permanent extends Error {}
    const clock = new FakeClock();
    const operation = jest.fn(async () => {
      throw new Permanent('access denied');
    });
    await expect(retry(operation, { delaysMs: [1_000, 1_000], clock, shouldRetry: (e) => !(e instanceof Permanent) })).rejects.toBeInstanceOf(Permanent);
    expect(operation).toHaveBeenCalledTimes(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('stops when aborted during a pause, without another attempt', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    clock.onSleep = () => controller.abort();
    const operation = jest.fn(async () => {
      throw new Error('busy');
    });
    const outcome = retry(operation, { delaysMs: [1_000, 1_000, 1_000], clock, signal: controller.signal, abortError: () => new Error('gave up on the group') });
    await expect(outcome).rejects.toThrow('gave up on the group');
    expect(operation).toHaveBeenCalledTimes(1);
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
