/**
 * The error a promise rejects with, checked to be of `type`, so a test can assert on its fields. A
 * promise that resolves, or rejects with something else, fails the test with what it got instead.
 */
export async function rejectionOf<T extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a ${type.name}, but it resolved with ${String(outcome.resolved)}`);
  if (!(outcome.error instanceof type)) throw new Error(`expected a ${type.name}, got ${String(outcome.error)}`);
  return outcome.error;
}
