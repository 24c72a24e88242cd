import { PROBE_COMMAND } from '../../src/provision/host-probe';
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
  /** The scripts the host ran, in order (several per command under run-steps.sh). */
  readonly ran: string[] = [];
  uid = '1000';
  user = 'debian';
  sudoWorks = true;
  osRelease: string | undefined = 'ID=debian\nVERSION_CODENAME=bookworm\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n';
  stagingDir = '/tmp/tmp.Xq3';
  scriptReplies: Record<string, ScriptReply> = {};
  /** Deliver script output through onStdout/onStderr (as ssh2 does) or only in the result. */
  streams = true;
  /** What `ip -o addr show scope global` prints (in the probe): the host's addresses, one line per address. */
  addressReport = '';
  /** Called when a script runs, before its reply is given: the host acting on it (dockerd restarting). */
  onScript: ((script: string, reply: ScriptReply) => Promise<void> | void) | undefined;
  closed = false;

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.commands.push(command);
    this.order.push(`exec ${command}`);
    if (command === PROBE_COMMAND) return this.probe(options.stdin?.toString() ?? '');
    if (command.startsWith('rm -rf ')) return ok('');
    if (command.startsWith('sudo -n ') && !this.sudoWorks) return { code: 1, stdout: '', stderr: 'sudo: a password is required\n' };
    const steps = /\/run-steps\.sh' (.+)$/.exec(command);
    if (steps) return this.runSteps(command, steps[1].split(' ').map((word) => word.replace(/'/g, '')), options);
    const script = /\/([a-z-]+)\.sh'$/.exec(command)?.[1];
    if (script) {
      const reply = await this.reply(script);
      this.stream(reply.stdout ?? '', reply.stderr ?? '', options);
      return { code: reply.code ?? 0, stdout: reply.stdout ?? '', stderr: reply.stderr ?? '' };
    }
    return { code: 127, stdout: '', stderr: `unexpected command: ${command}` };
  }

  /** As probe-host.sh answers: uid, user, the staging folder and the addresses. */
  private probe(script: string): ExecResult {
    if (!script.includes('::uid')) return { code: 2, stdout: '', stderr: 'sh: no probe script on stdin' };
    return ok(`::uid ${this.uid}\n::user ${this.user}\n::staging ${this.stagingDir}\n${this.addressReport}`);
  }

  /** As run-steps.sh: each step announced, its reply given, the first failure ending the run. */
  private async runSteps(command: string, steps: string[], options: ExecOptions): Promise<ExecResult> {
    let stdout = '';
    let stderr = '';
    for (const step of steps) {
      const reply = await this.reply(step);
      stdout += `::step ${step}\n${reply.stdout ?? ''}`;
      stderr += reply.stderr ?? '';
      if ((reply.code ?? 0) !== 0) {
        this.stream(stdout, stderr, options);
        return { code: reply.code ?? 1, stdout, stderr };
      }
    }
    if (command.includes(`ENGINE_STAGING_DIR='${this.stagingDir}'`)) stdout += '::staging removed\n';
    this.stream(stdout, stderr, options);
    return { code: 0, stdout, stderr };
  }

  private async reply(script: string): Promise<ScriptReply> {
    const reply = this.scriptReplies[script] ?? {};
    this.ran.push(script);
    await this.onScript?.(script, reply);
    return reply;
  }

  private stream(stdout: string, stderr: string, options: ExecOptions): void {
    if (!this.streams) return;
    // Split mid-line on purpose: the runner must reassemble lines across chunks.
    const middle = Math.floor(stdout.length / 2);
    if (stdout) options.onStdout?.(Buffer.from(stdout.slice(0, middle)));
    if (stdout) options.onStdout?.(Buffer.from(stdout.slice(middle)));
    if (stderr) options.onStderr?.(Buffer.from(stderr));
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
