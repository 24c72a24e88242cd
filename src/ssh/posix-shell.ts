/**
 * SSH carries one command string, and sshd hands it to the user's login shell (`$SHELL -c STRING`).
 * That shell may be fish, tcsh or nushell, which read quotes, `$`, `!` and backslashes their own way,
 * while every command `machine` writes is POSIX sh (src/util/shell-quote.ts). So each command goes
 * to the host as `sh -c '...'` whose quoted part the login shell never has to understand: the command
 * travels base64-encoded (letters, digits, + / =, the same in every shell) and sh decodes and runs it.
 * If the host cannot decode it, the command fails with 127 rather than quietly doing nothing.
 */
const VARIABLE = 'machine_remote_command';

export function throughPosixShell(command: string): string {
  const encoded = Buffer.from(command, 'utf8').toString('base64');
  return `sh -c '${VARIABLE}=$(printf %s ${encoded} | base64 -d) || exit 127; eval "$${VARIABLE}"'`;
}
