import type { MachineApp } from './app';
import type { MachineRecord } from '../core/machine-record';
import { type HostKeyPolicy, withInteractiveSession } from './ssh-access';

/**
 * `machine ssh`: an interactive login shell with a PTY, or one command whose exit code becomes ours.
 * Like ssh(1), several words are joined with spaces and the user's login shell parses them: the
 * command is the user's, in the syntax of their shell (machine's own commands always go through sh).
 */
export async function runRemoteShell(app: MachineApp, record: MachineRecord, words: string[], pinMode: HostKeyPolicy): Promise<number> {
  const pty = process.stdin.isTTY ? { term: process.env.TERM ?? 'xterm-256color', cols: process.stdout.columns ?? 80, rows: process.stdout.rows ?? 24 } : undefined;
  return withInteractiveSession(
    app,
    record,
    async (session) => {
      if (words.length === 0) return session.shell({ pty: pty ?? { term: 'dumb', cols: 80, rows: 24 } });
      return session.execInteractive(words.join(' '), { shell: 'login', ...(pty ? { pty } : {}) });
    },
    pinMode,
  );
}
