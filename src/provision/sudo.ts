import { MachineError } from '../core/errors';

/**
 * Whether a root command failed because sudo refused it rather than because the script failed: the
 * script never started (nothing on stdout, where every script's first words go) and the first
 * complaint is sudo's own ("sudo: a password is required", "sh: 1: sudo: not found").
 */
export function sudoRefused(stdoutLines: number, stderrLines: string[]): boolean {
  return stdoutLines === 0 && /\bsudo\b/.test(stderrLines[0] ?? '');
}

export function noSudo(user: string, detail: string): MachineError {
  return new MachineError(`user ${user} needs passwordless sudo on the host: ${detail}`, {
    code: 'NO_SUDO',
    suggestions: [`on the host, as root: echo '${user} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/${user}`, 'or connect as root'],
  });
}
