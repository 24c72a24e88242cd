import { retry } from '../../src/util/retry';
import { FakeClock } from '../helpers/fake-clock';

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
