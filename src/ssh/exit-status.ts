import { constants } from 'node:os';

/**
 * A remote command's exit code as a shell reports it: its own code, or 128 + the signal number when a
 * signal ended it (sshd sends the signal's name without the SIG prefix).
 */
export function exitCodeOf(code: number | null | undefined, signalName: string | undefined): number | undefined {
  if (typeof code === 'number') return code;
  if (!signalName) return undefined;
  const signals = constants.signals as Record<string, number | undefined>;
  const number = signals[`SIG${signalName.replace(/^SIG/, '')}`];
  return 128 + (number ?? 0);
}
