/**
 * Quoting for the remote POSIX shell. The SSH protocol carries one command string that the user's login
 * shell parses, so every value we splice into it must be quoted; single quotes are the only form in
 * which nothing inside is special.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new TypeError('a shell argument cannot contain a NUL byte');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Prefixes `command` with `export VAR='value' ...;`. Exporting (rather than `VAR=value command`) makes
 * the values reach every part of a compound command such as `a && b`, and does not depend on sshd's
 * AcceptEnv, which rarely allows anything.
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
