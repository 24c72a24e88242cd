import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { connectSsh, type SshSession } from '../../src/ssh/client';
import { EngineProxy } from '../../src/services/engine-proxy';
import { startSshd, type SshdFixture } from '../ssh/sshd-fixture';

/**
 * The proxy through a real OpenSSH server: its direct-streamlocal channel reaches an HTTP server on a
 * unix socket standing in for dockerd's, and the server's per-connection processes are killed to
 * drop the SSH connection as a network or a host would.
 */
jest.setTimeout(30_000);
const run = promisify(execFile);

let sshd: SshdFixture;
let engine: http.Server;
let engineSocket: string;
let served = 0;

beforeAll(async () => {
  sshd = await startSshd();
  engineSocket = path.join(sshd.dir, 'engine.sock');
  engine = http.createServer((request, response) => {
    served += 1;
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => response.end(`${request.method} ${request.url} ${body}`));
  });
  await new Promise<void>((resolve) => engine.listen(engineSocket, resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => engine?.close(() => resolve()));
  await sshd?.stop();
});

function request(socketPath: string, method: string, url: string, body = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: url, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function proxyFor(socketPath: string, lines: string[], sessions: SshSession[] = []): EngineProxy {
  return new EngineProxy({
    socketPath,
    machineName: 'm1',
    remoteSocket: engineSocket,
    connect: async () => {
      const session = await connectSsh(sshd.connectOptions());
      sessions.push(session);
      return session;
    },
    log: (line) => lines.push(line),
  });
}

/** Kills sshd's per-connection processes (children of the listener), which drops every open SSH connection. */
async function dropSshConnections(): Promise<void> {
  const pid = (await fs.readFile(path.join(sshd.dir, 'sshd.pid'), 'utf8')).trim();
  await run('pkill', ['-KILL', '-P', pid]);
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('serves the engine on a 0600 socket, survives a dropped SSH connection, and removes the socket on stop', async () => {
  const socketPath = path.join(sshd.dir, 'proxy-a.sock');
  const lines: string[] = [];
  const sessions: SshSession[] = [];
  const proxy = proxyFor(socketPath, lines, sessions);
  await proxy.start();
  try {
    const stat = await fs.lstat(socketPath);
    expect({ socket: stat.isSocket(), mode: stat.mode & 0o777 }).toEqual({ socket: true, mode: 0o600 });

    const before = served;
    const answers = await Promise.all([request(socketPath, 'GET', '/_ping'), request(socketPath, 'POST', '/containers/create', '{"Image":"x"}')]);
    expect(answers).toEqual(['GET /_ping ', 'POST /containers/create {"Image":"x"}']);
    expect(served - before).toBe(2);
    // Both requests went over the one SSH connection.
    expect(sessions).toHaveLength(1);

    await dropSshConnections();
    await until(() => sessions[0].isClosed);
    expect(await request(socketPath, 'GET', '/after-drop')).toBe('GET /after-drop ');
    expect(sessions).toHaveLength(2);
    expect(lines).toContain('machine proxy: the SSH connection to "m1" closed; reconnecting');
  } finally {
    await proxy.stop();
  }
  await expect(fs.lstat(socketPath)).rejects.toMatchObject({ code: 'ENOENT' });
  expect(sessions.every((session) => session.isClosed)).toBe(true);
});

it('refuses a path that is not a socket, and one where a proxy already listens; replaces a stale socket', async () => {
  const file = path.join(sshd.dir, 'a-file');
  await fs.writeFile(file, 'keep me');
  await expect(proxyFor(file, []).start()).rejects.toThrow(/exists and is not a socket/);
  expect(await fs.readFile(file, 'utf8')).toBe('keep me');

  const socketPath = path.join(sshd.dir, 'proxy-b.sock');
  const first = proxyFor(socketPath, []);
  await first.start();
  try {
    await expect(proxyFor(socketPath, []).start()).rejects.toThrow(/is in use/);
  } finally {
    await first.stop();
  }

  // A socket left by a killed proxy: a file of type socket that nobody listens on (Node unlinks its own on close).
  const leftover = path.join(sshd.dir, 'stale.sock');
  await run('python3', ['-c', `import socket; s=socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(leftover)})`]);
  expect((await fs.lstat(leftover)).isSocket()).toBe(true);
  const replacing = proxyFor(leftover, []);
  await replacing.start();
  try {
    expect(await request(leftover, 'GET', '/_ping')).toBe('GET /_ping ');
  } finally {
    await replacing.stop();
  }
});
