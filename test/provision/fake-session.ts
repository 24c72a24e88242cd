import { CHECK_SUDO, MAKE_STAGING_DIR } from '../../src/provision/runner';
import type { ExecOptions, ExecResult, RemoteSession } from '../../src/ssh/session';

export interface ScriptReply {
  code?: number;
  stdout?: string;
  stderr?: string;
}

/**
 * A RemoteSession that records what the runner asks for and answers from a script of replies. Only
 * for testing the sequence; the scripts themselves run for real in the e2e tests.
 */
export class FakeSession implements RemoteSession {
  readonly commands: string[] = [];
  readonly files = new Map<string, { content: string; mode?: number }>();
  readonly order: string[] = [];
  uid = '1000';
  user = 'debian';
  sudoWorks = true;
  osRelease: string | undefined = 'ID=debian\nVERSION_CODENAME=bookworm\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n';
  stagingDir = '/tmp/tmp.Xq3';
  scriptReplies: Record<string, ScriptReply> = {};
  /** Deliver script output through onStdout/onStderr (as ssh2 does) or only in the result. */
  streams = true;
  /** What `ip -o addr show scope global` prints: the host's addresses, one line per address. */
  addressReport = '';
  /** Called when a script runs, before its reply is given: the host acting on it (dockerd restarting). */
  onScript: ((script: string, reply: ScriptReply) => Promise<void> | void) | undefined;
  closed = false;

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.commands.push(command);
    this.order.push(`exec ${command}`);
    if (command === CHECK_SUDO) {
      return this.uid === '0' || this.sudoWorks ? ok(`${this.uid}\n`) : { code: 1, stdout: `${this.uid}\n`, stderr: 'sudo: a password is required\n' };
    }
    if (command === 'id -u') return ok(`${this.uid}\n`);
    if (command === 'id -un') return ok(`${this.user}\n`);
    if (command === 'sudo -n true') return this.sudoWorks ? ok('') : { code: 1, stdout: '', stderr: 'sudo: a password is required\n' };
    if (command === MAKE_STAGING_DIR) return ok(`${this.stagingDir}\n`);
    if (command.startsWith('mkdir ') || command.startsWith('rm -rf ')) return ok('');
    if (command === 'ip -o addr show scope global 2>/dev/null || true') return ok(this.addressReport);
    const script = /\/([a-z-]+)\.sh'$/.exec(command)?.[1];
    if (script) {
      const reply = this.scriptReplies[script] ?? {};
      await this.onScript?.(script, reply);
      const stdout = reply.stdout ?? '';
      const stderr = reply.stderr ?? '';
      if (this.streams) {
        // Split mid-line on purpose: the runner must reassemble lines across chunks.
        const middle = Math.floor(stdout.length / 2);
        if (stdout) options.onStdout?.(Buffer.from(stdout.slice(0, middle)));
        if (stdout) options.onStdout?.(Buffer.from(stdout.slice(middle)));
        if (stderr) options.onStderr?.(Buffer.from(stderr));
      }
      return { code: reply.code ?? 0, stdout, stderr };
    }
    return { code: 127, stdout: '', stderr: `unexpected command: ${command}` };
  }

  async writeFile(remotePath: string, content: string | Buffer, mode?: number): Promise<void> {
    this.order.push(`write ${remotePath}`);
    this.files.set(remotePath, { content: content.toString(), ...(mode === undefined ? {} : { mode }) });
  }

  async readFile(remotePath: string): Promise<Buffer> {
    if (remotePath === '/etc/os-release' && this.osRelease !== undefined) return Buffer.from(this.osRelease);
    throw new Error(`ENOENT ${remotePath}`);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function ok(stdout: string): ExecResult {
  return { code: 0, stdout, stderr: '' };
}
