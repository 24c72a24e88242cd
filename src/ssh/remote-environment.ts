import { shellQuote } from '../util/shell-quote';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Prefixes `command` with `export VAR='value' ...;`. Exporting (rather than `VAR=value command`) makes
 * the values reach every part of a compound command such as `a && b`, and does not depend on sshd's
 * AcceptEnv, which rarely allows anything. The SSH protocol carries one command string that the
 * user's login shell parses, so each value goes through the project's POSIX quoting.
 */
export function withEnvironment(command: string, env: Record<string, string> | undefined): string {
  const entries = Object.entries(env ?? {});
  if (entries.length === 0) return command;
  const assignments = entries.map(([name, value]) => {
    // Names come from our own code, never from users: a bad one is a bug, so it is not a MachineError.
    if (!ENV_NAME.test(name)) throw new TypeError(`invalid environment variable name: ${JSON.stringify(name)}`);
    return `${name}=${shellQuote(value)}`;
  });
  return `export ${assignments.join(' ')}; ${command}`;
}
