import type { Readable, Writable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { exitCodeWhenClosed } from './exec';

export interface PtyOptions {
  term: string;
  cols: number;
  rows: number;
}

/** The local terminal an interactive session is wired to; process's streams unless a test gives others. */
export interface TerminalIo {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: Writable & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: Writable;
}

export interface InteractiveOptions {
  /** A pseudo-terminal for the remote side; `false` for none. Defaults are per method (see SshSession). */
  pty?: PtyOptions | false;
  io?: TerminalIo;
  /**
   * Who reads the command: POSIX sh (default; what machine writes, such as `docker ARGS` quoted for sh),
   * or the user's login shell, as ssh(1) does for a command the user typed (`machine ssh NAME -- CMD`).
   */
  shell?: 'posix' | 'login';
}

export function processTerminal(): TerminalIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}

/** A PTY shaped like the local terminal, so full-screen programs draw correctly. */
export function ptyLike(io: TerminalIo): PtyOptions {
  return {
    term: process.env.TERM || 'xterm-256color',
    cols: io.stdout.columns || 80,
    rows: io.stdout.rows || 24,
  };
}

/**
 * Connects an open channel to the local terminal until the remote side exits, then puts the terminal
 * back as it was. With a PTY the local terminal goes raw so keys like Ctrl-C reach the remote program
 * instead of ending ours, and window size changes are forwarded.
 */
export async function attachTerminal(channel: ClientChannel, io: TerminalIo, hasPty: boolean, machineName: string): Promise<number> {
  const raw = hasPty && io.stdin.isTTY === true && typeof io.stdin.setRawMode === 'function';
  if (raw) io.stdin.setRawMode?.(true);
  const onResize = (): void => {
    channel.setWindow(io.stdout.rows || 24, io.stdout.columns || 80, 0, 0);
  };
  if (hasPty) io.stdout.on('resize', onResize);

  // Local streams stay open after the session: the CLI may still print, and stdout must not be ended.
  channel.pipe(io.stdout, { end: false });
  channel.stderr.pipe(io.stderr, { end: false });
  io.stdin.pipe(channel);
  try {
    return await exitCodeWhenClosed(channel, 'the session', machineName);
  } finally {
    io.stdin.unpipe(channel);
    // A paused stdin no longer keeps the process alive once the session is over.
    io.stdin.pause();
    if (hasPty) io.stdout.off('resize', onResize);
    if (raw) io.stdin.setRawMode?.(false);
  }
}
