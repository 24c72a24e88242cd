import * as net from 'node:net';
import { connectSsh } from '../../src/ssh/client';
import { waitForSsh } from '../../src/ssh/wait';
import { FakeClock } from '../helpers/fake-clock';
import { freePort, startSshd, type SshdFixture } from './sshd-fixture';

jest.setTimeout(60_000);

let sshd: SshdFixture;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(() => sshd?.stop());

const patience = { timeoutMs: 30_000, intervalMs: 200 };

it('fails fast on a key the host does not accept, naming the user and the key', async () => {
  const wrongKey = await sshd.newKey('not_authorized');
  const started = Date.now();
  const error = await waitForSsh(sshd.connectOptions({ privateKeyPath: wrongKey }), patience).catch((e: unknown) => e);
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(error).toMatchObject({ code: 'SSH_AUTH_FAILED' });
  expect((error as Error).message).toContain(`"${sshd.user}"`);
  expect((error as Error).message).toContain(wrongKey);
  expect((error as { suggestions: string[] }).suggestions.join(' ')).toContain('--generic-ssh-user and --generic-ssh-key');
});

it('retries a refused key during the grace period a new host gets, then reports it', async () => {
  // A host just made: cloud-init may not have installed the key yet when sshd first answers.
  const lateKey = await sshd.newKey('not_installed_yet');
  const clock = new FakeClock();
  const error = await waitForSsh(sshd.connectOptions({ privateKeyPath: lateKey }), { timeoutMs: 60_000, intervalMs: 1_000, authGraceMs: 5_000, clock }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'SSH_AUTH_FAILED' });
  // Refused at 0, 1, 2, 3 and 4 s (within the grace), and for good at 5 s.
  expect(clock.sleeps).toEqual([1_000, 1_000, 1_000, 1_000, 1_000]);
});

it('fails fast on a user the host does not know', async () => {
  const started = Date.now();
  await expect(waitForSsh(sshd.connectOptions({ user: 'no-such-user' }), patience)).rejects.toMatchObject({
    code: 'SSH_AUTH_FAILED',
    message: expect.stringContaining('"no-such-user"'),
  });
  expect(Date.now() - started).toBeLessThan(5_000);
});

it('classifies a refused port as unreachable', async () => {
  const port = await freePort();
  await expect(connectSsh(sshd.connectOptions({ port }))).rejects.toMatchObject({
    code: 'SSH_UNREACHABLE',
    message: `cannot reach 127.0.0.1:${port} over SSH: connection refused`,
  });
});

it('retries an unreachable port until the deadline, then says what it waited for and how long', async () => {
  const port = await freePort();
  const started = Date.now();
  const error = await waitForSsh(sshd.connectOptions({ port }), { timeoutMs: 2_000, intervalMs: 200 }).catch((e: unknown) => e);
  const elapsed = Date.now() - started;
  expect(elapsed).toBeGreaterThanOrEqual(1_900);
  expect(elapsed).toBeLessThan(6_000);
  expect(error).toMatchObject({ code: 'SSH_TIMEOUT' });
  expect((error as Error).message).toMatch(new RegExp(`did not accept SSH on 127.0.0.1:${port} as "${sshd.user}" within [12]s; last attempt: cannot reach`));
});

it('keeps trying until sshd comes up', async () => {
  const port = await freePort();
  const late = new Promise<SshdFixture>((resolve, reject) =>
    setTimeout(() => startSshd({ port, alsoAuthorize: `${sshd.clientKeyPath}.pub` }).then(resolve, reject), 1_500),
  );
  const started = Date.now();
  try {
    const session = await waitForSsh(sshd.connectOptions({ port, knownHostsPath: `${sshd.dir}/late_known_hosts` }), { timeoutMs: 20_000, intervalMs: 200 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    await session.close();
  } finally {
    await (await late).stop();
  }
});

it('stops waiting when aborted', async () => {
  const port = await freePort();
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 500);
  const started = Date.now();
  await expect(waitForSsh(sshd.connectOptions({ port }), { timeoutMs: 30_000, intervalMs: 5_000, signal: controller.signal })).rejects.toMatchObject({
    code: 'INTERRUPTED',
  });
  expect(Date.now() - started).toBeLessThan(3_000);
});

describe('hosts that accept TCP but do not speak SSH yet', () => {
  let server: net.Server;
  let sockets: net.Socket[];
  afterEach(async () => {
    // close() waits for open connections, so end them first.
    sockets.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function listen(onConnection: (socket: net.Socket) => void): Promise<number> {
    sockets = [];
    server = net.createServer((socket) => {
      sockets.push(socket);
      onConnection(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  }

  it('a silent port (no banner) is unreachable after the ready timeout', async () => {
    const port = await listen(() => undefined);
    await expect(connectSsh(sshd.connectOptions({ port, readyTimeoutMs: 1_000 }))).rejects.toMatchObject({
      code: 'SSH_UNREACHABLE',
      message: expect.stringContaining('no SSH handshake within 1s'),
    });
  });

  it('a port that hangs up at once is unreachable', async () => {
    const port = await listen((socket) => socket.destroy());
    await expect(connectSsh(sshd.connectOptions({ port }))).rejects.toMatchObject({ code: 'SSH_UNREACHABLE' });
  });
});
