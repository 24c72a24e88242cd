import { promises as fs } from 'node:fs';
import { userInfo } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { connectSsh, type SshSession, type TerminalIo } from '../../src/ssh/client';
import { startSshd, type SshdFixture } from './sshd-fixture';

jest.setTimeout(30_000);

let sshd: SshdFixture;
let session: SshSession;

beforeAll(async () => {
  sshd = await startSshd();
  session = await connectSsh(sshd.connectOptions());
});

afterAll(async () => {
  await session?.close();
  await sshd?.stop();
});

function remote(name: string): string {
  return path.join(sshd.dir, 'remote', name);
}

describe('exec', () => {
  it('returns exit code, stdout and stderr separately', async () => {
    const result = await session.exec('echo out; echo err >&2; exit 3');
    expect(result).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('passes environment values through quoting intact, to every part of a compound command', async () => {
    const tricky = `it's "quoted" $HOME \`id\` \\ ; & | *`;
    const result = await session.exec('printf %s "$A" && printf "|%s" "$B"', { env: { A: tricky, B: 'second' } });
    expect(result.stdout).toBe(`${tricky}|second`);
  });

  it('refuses environment names that would change the command', async () => {
    await expect(session.exec('true', { env: { 'A;rm': 'x' } })).rejects.toThrow(TypeError);
  });

  it('feeds stdin and ends it', async () => {
    const result = await session.exec('wc -c; cat', { stdin: Buffer.from('12345') });
    expect(result.stdout.trim()).toBe('5');
    const noInput = await session.exec('cat');
    expect(noInput).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('streams output to callbacks as it arrives', async () => {
    const out: string[] = [];
    const err: string[] = [];
    await session.exec('echo a; echo b >&2', { onStdout: (c) => out.push(c.toString()), onStderr: (c) => err.push(c.toString()) });
    expect(out.join('')).toBe('a\n');
    expect(err.join('')).toBe('b\n');
  });

  it("runs machine's commands through sh, whatever the login shell (here the user's own)", async () => {
    expect((await session.exec('echo "$0"')).stdout).toBe('sh\n');
    // The same words typed by a user (`machine ssh NAME -- CMD`) reach the login shell, as with ssh(1).
    const terminal = fakeTerminal('');
    await session.execInteractive('echo "$0"', { io: terminal.io, shell: 'login' });
    expect(terminal.output()).toBe(`${path.basename(userInfo().shell ?? 'sh')}\n`);
  });

  it('reports a command ended by a signal as 128 + the signal number', async () => {
    const result = await session.exec('kill -TERM $$');
    expect(result.code).toBe(143);
  });

  it('runs many commands over one connection, concurrently', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((n) => session.exec(`echo ${n}`)));
    expect(results.map((r) => r.stdout.trim())).toEqual(['1', '2', '3', '4']);
  });
});

describe('files over sftp', () => {
  it('writes and reads files with exact modes, whatever the umask', async () => {
    await session.mkdirp(remote('a/b/c'));
    expect((await session.stat(remote('a/b/c')))?.kind).toBe('directory');
    await session.writeFile(remote('a/b/c/secret'), 'key material', 0o600);
    await session.writeFile(remote('a/b/c/script'), Buffer.from('#!/bin/sh\n'), 0o775);
    expect((await fs.stat(remote('a/b/c/secret'))).mode & 0o777).toBe(0o600);
    expect((await fs.stat(remote('a/b/c/script'))).mode & 0o777).toBe(0o775);
    expect((await session.readFile(remote('a/b/c/secret'))).toString()).toBe('key material');
    // Rewriting an existing file replaces content and mode.
    await session.writeFile(remote('a/b/c/secret'), 'short', 0o640);
    expect(await fs.readFile(remote('a/b/c/secret'), 'utf8')).toBe('short');
    expect((await fs.stat(remote('a/b/c/secret'))).mode & 0o777).toBe(0o640);
  });

  it('stat reports missing paths as undefined and files with their mode and size', async () => {
    expect(await session.stat(remote('nothing-here'))).toBeUndefined();
    await session.writeFile(remote('sized'), 'abc', 0o644);
    expect(await session.stat(remote('sized'))).toEqual({ kind: 'file', mode: 0o644, size: 3 });
  });

  it('reading a missing file is a MachineError naming machine and path', async () => {
    await expect(session.readFile(remote('missing'))).rejects.toMatchObject({
      code: 'SSH_FILE_TRANSFER',
      message: expect.stringContaining(`test-machine:${remote('missing')}`),
    });
  });

  it('uploads and downloads directory trees keeping modes', async () => {
    const local = path.join(sshd.dir, 'local-tree');
    await fs.mkdir(path.join(local, 'sub'), { recursive: true });
    await fs.writeFile(path.join(local, 'run.sh'), 'echo hi\n', { mode: 0o755 });
    await fs.writeFile(path.join(local, 'sub', 'data'), 'data', { mode: 0o600 });
    await session.uploadDir(local, remote('uploaded'));
    expect(await fs.readFile(remote('uploaded/sub/data'), 'utf8')).toBe('data');
    expect((await fs.stat(remote('uploaded/run.sh'))).mode & 0o777).toBe(0o755);
    expect((await fs.stat(remote('uploaded/sub/data'))).mode & 0o777).toBe(0o600);

    const back = path.join(sshd.dir, 'downloaded');
    await session.downloadDir(remote('uploaded'), back);
    expect(await fs.readFile(path.join(back, 'run.sh'), 'utf8')).toBe('echo hi\n');
    expect((await fs.stat(path.join(back, 'sub', 'data'))).mode & 0o777).toBe(0o600);
  });
});

function fakeTerminal(input: string): { io: TerminalIo; output: () => string } {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  stderr.on('data', (c: Buffer) => chunks.push(c));
  stdin.end(input);
  return { io: { stdin, stdout, stderr }, output: () => Buffer.concat(chunks).toString() };
}

describe('interactive', () => {
  it('execInteractive passes the exit code through and uses no PTY when stdin is not a terminal', async () => {
    const terminal = fakeTerminal('piped input');
    const code = await session.execInteractive('cat; test -t 0 || echo no-tty; exit 4', { io: terminal.io });
    expect(code).toBe(4);
    expect(terminal.output()).toBe('piped inputno-tty\n');
  });

  it('shell with a PTY runs what is typed and returns its exit code', async () => {
    const terminal = fakeTerminal('tty -s && echo has-tty\nexit 7\n');
    const code = await session.shell({ io: terminal.io, pty: { term: 'xterm', cols: 100, rows: 30 } });
    expect(code).toBe(7);
    expect(terminal.output()).toContain('has-tty');
  });
});

it('close is idempotent and later commands fail as MachineErrors', async () => {
  const extra = await connectSsh(sshd.connectOptions());
  await extra.close();
  await extra.close();
  await expect(extra.exec('true')).rejects.toMatchObject({ code: 'SSH_EXEC_FAILED' });
});
