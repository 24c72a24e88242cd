import type { Client, ClientChannel } from 'ssh2';
import { OperationError, errorMessage } from '../core/errors';
import { debug, msSince } from '../util/debug';
import { exitCodeOf } from './exit-status';
import type { ExecOptions, ExecResult } from './session';
import { throughPosixShell } from './posix-shell';
import { withEnvironment } from './remote-environment';

/** Which shell reads a command: POSIX sh (every command machine writes), or the user's login shell (`machine ssh -- CMD`). */
export type RemoteShell = 'posix' | 'login';

/**
 * Opens an exec channel; failures to open one (the connection is gone, sshd refused) become
 * MachineErrors. A `posix` command is wrapped in `sh -c` (./posix-shell.ts) whatever the login shell.
 */
export function openExecChannel(
  client: Client,
  command: string,
  machineName: string,
  pty?: { term: string; cols: number; rows: number },
  shell: RemoteShell = 'posix',
): Promise<ClientChannel> {
  // Every remote command, scripted or typed by the user, starts here. The log shows it as written.
  debug('ssh', () => `${machineName}: exec${pty ? ' (pty)' : ''}${shell === 'login' ? ' (login shell)' : ''} ${command}`);
  const wire = shell === 'posix' ? throughPosixShell(command) : command;
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void =>
      reject(new OperationError('SSH_EXEC_FAILED', `cannot run a command on machine "${machineName}": ${errorMessage(err)}`, [], err));
    const callback = (err: Error | undefined, channel: ClientChannel): void => {
      if (err) return fail(err);
      watchEnd(channel);
      resolve(channel);
    };
    try {
      if (pty) client.exec(wire, { pty }, callback);
      else client.exec(wire, callback);
    } catch (err) {
      // ssh2 throws instead of calling back when the connection is already closed.
      fail(err as Error);
    }
  });
}

/** How a channel ended, as far as seen yet. */
interface ChannelEnd {
  code?: number;
  closed: boolean;
}

const ends = new WeakMap<ClientChannel, ChannelEnd>();

/**
 * Starts watching a channel's exit status and close the moment ssh2 hands the channel over. A quick
 * command's data, exit status and close can arrive in one TCP read, which ssh2 parses in one go right
 * after calling back with the channel: listeners added later (after an await) miss the exit event
 * and see only the close, which looked like a dropped connection.
 */
function watchEnd(channel: ClientChannel): ChannelEnd {
  const known = ends.get(channel);
  if (known) return known;
  const end: ChannelEnd = { closed: false };
  ends.set(channel, end);
  channel.on('exit', (exitCode: number | null, signalName?: string) => {
    end.code = exitCodeOf(exitCode, signalName);
  });
  channel.once('close', () => {
    end.closed = true;
  });
  return end;
}

/**
 * Waits for a channel to close and returns the command's exit code. A channel that closes without
 * an exit status means the connection dropped mid-command: that is an error, not a code.
 */
export function exitCodeWhenClosed(channel: ClientChannel, what: string, machineName: string): Promise<number> {
  const end = watchEnd(channel);
  return new Promise((resolve, reject) => {
    const settle = () => {
      if (end.code === undefined) {
        reject(new OperationError('SSH_CONNECTION_LOST', `the SSH connection to machine "${machineName}" closed before ${what} finished`));
      } else {
        resolve(end.code);
      }
    };
    if (end.closed) settle();
    else channel.once('close', settle);
  });
}

/** Runs one command, collecting its output (and streaming it to the callbacks as it comes). */
export async function execCommand(client: Client, command: string, machineName: string, options: ExecOptions = {}): Promise<ExecResult> {
  const started = performance.now();
  try {
    const result = await collectOutput(client, command, machineName, options);
    debug('ssh', () => `${machineName}: exit ${result.code} in ${msSince(started)} ms (${result.stdout.length} chars out, ${result.stderr.length} err): ${command}`);
    return result;
  } catch (err) {
    debug('ssh', () => `${machineName}: failed after ${msSince(started)} ms (${errorMessage(err)}): ${command}`);
    throw err;
  }
}

async function collectOutput(client: Client, command: string, machineName: string, options: ExecOptions): Promise<ExecResult> {
  const channel = await openExecChannel(client, withEnvironment(command, options.env), machineName);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  channel.on('data', (chunk: Buffer) => {
    stdout.push(chunk);
    options.onStdout?.(chunk);
  });
  channel.stderr.on('data', (chunk: Buffer) => {
    stderr.push(chunk);
    options.onStderr?.(chunk);
  });
  const code = exitCodeWhenClosed(channel, `\`${command}\``, machineName);
  // Always send EOF: a command that reads stdin must not wait for input that will never come.
  if (options.stdin === undefined) channel.end();
  else channel.end(options.stdin);
  return {
    code: await code,
    // Decoded once at the end so a multi-byte character split across chunks stays whole.
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
  };
}
