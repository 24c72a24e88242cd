/**
 * Tests that need something this machine may lack (a program, root): where it is there they run; on a
 * developer's machine without it they are skipped; in CI (CI set, as .ci/run has it) they fail instead,
 * naming what is missing, because there a skip would hide that .ci/install-deps no longer installs it.
 */
type Body = () => void;

function missingInCi(what: string): Body {
  return () => {
    throw new Error(`${what} is missing here; CI must have it (see .ci/install-deps)`);
  };
}

export function describeWhen(available: boolean, what: string): (name: string, body: Body) => void {
  if (available) return (name, body) => describe(name, body);
  if (process.env.CI) return (name) => describe(name, () => it(`needs ${what}`, missingInCi(what)));
  return (name, body) => describe.skip(name, body);
}

export function itWhen(available: boolean, what: string): (name: string, body: jest.ProvidesCallback, timeoutMs?: number) => void {
  if (available) return (name, body, timeoutMs) => it(name, body, timeoutMs);
  if (process.env.CI) return (name) => it(name, missingInCi(what));
  return (name, body, timeoutMs) => it.skip(name, body, timeoutMs);
}
