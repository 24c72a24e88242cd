import { shellQuote } from '../util/shell-quote';

/**
 * The only place that writes command lines for the host. TypeScript never builds shell programs: it
 * names a script and passes values, and every value goes through shellQuote.
 */

/**
 * Runs `sh SCRIPT ARGS...` as root with exactly these environment variables. The assignments go through
 * `env` after sudo, because sudo resets the environment it was given (so ExecOptions.env would
 * reach sudo, not the script). `-n`: fail instead of waiting for a password nobody will type.
 */
export function rootScriptCommand(scriptPath: string, env: Record<string, string>, userIsRoot: boolean, args: string[] = []): string {
  const assignments = Object.entries(env).map(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid environment variable name: ${name}`);
    return `${name}=${shellQuote(value)}`;
  });
  const words = ['env', ...assignments, 'sh', shellQuote(scriptPath), ...args.map(shellQuote)];
  return (userIsRoot ? words : ['sudo', '-n', ...words]).join(' ');
}
