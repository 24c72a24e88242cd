import { captureDebugLines } from '../helpers/debug-capture';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { connectSsh } from '../../src/ssh/client';
import { waitForSsh } from '../../src/ssh/wait';
import { enableDebug } from '../../src/util/debug';
import { freePort, startSshd, type SshdFixture } from '../ssh/sshd-fixture';

/**
 * What --debug shows of SSH, against a real OpenSSH server: connections, host key decisions, every
 * command with its exit code and duration, SFTP writes and copies, and the waits that retry.
 */
jest.setTimeout(60_000);

let sshd: SshdFixture;
const lines: string[] = [];

beforeAll(async () => {
  sshd = await startSshd();
  enableDebug();
});
afterAll(() => sshd?.stop());
beforeEach(() => {
  lines.length = 0;
  captureDebugLines(lines);
});
afterEach(() => jest.restoreAllMocks());

const ssh = () => lines.filter((line) => line.includes(' machine:ssh '));

it('logs the connection and the host key pinned at first contact', async () => {
  const session = await connectSsh(sshd.connectOptions());
  await session.close();
  const knownHosts = path.join(sshd.dir, 'known_hosts');
  const [hostKey, connected] = ssh();
  expect(hostKey).toMatch(new RegExp(`test-machine: host key SHA256:\\S+ of 127\\.0\\.0\\.1:${sshd.port} \\(trust-on-first-use\\) pinned in ${knownHosts} at first contact\\n$`));
  expect(connected).toMatch(new RegExp(`test-machine: ssh ${sshd.user}@127\\.0\\.0\\.1:${sshd.port} connected in \\d+ ms, offering key ${sshd.clientKeyPath}\\n$`));
  expect(ssh()).toHaveLength(2);
});

it('logs a refused host key and the failed connection', async () => {
  const options = sshd.connectOptions({ knownHostsPath: path.join(sshd.dir, 'empty_known_hosts'), pinMode: 'strict' });
  await expect(connectSsh(options)).rejects.toMatchObject({ code: 'HOST_KEY_UNKNOWN' });
  expect(ssh()[0]).toMatch(/ \(strict\) refused: no SSH host key is pinned for machine "test-machine" .* it presented SHA256:\S+\n$/);
  expect(ssh()[1]).toMatch(/ not connected after \d+ ms: /);
});

it('logs each command with its exit code and duration, secrets in it redacted', async () => {
  const session = await connectSsh(sshd.connectOptions());
  lines.length = 0;
  try {
    await session.exec('echo out; exit 3', { env: { REGISTRY_PASSWORD: 'hunter2' } });
  } finally {
    await session.close();
  }
  const [start, end] = ssh();
  expect(start).toMatch(/ machine:ssh test-machine: exec export REGISTRY_PASSWORD=\[redacted\]; echo out; exit 3\n$/);
  expect(end).toMatch(/ machine:ssh test-machine: exit 3 in \d+ ms \(4 chars out, 0 err\): echo out; exit 3\n$/);
  expect(lines.join('')).not.toContain('hunter2');
});

it('logs SFTP writes with their size and mode, and each copied file', async () => {
  const session = await connectSsh(sshd.connectOptions());
  const local = path.join(sshd.dir, 'to-upload');
  await fs.mkdir(local, { recursive: true });
  await fs.writeFile(path.join(local, 'a.txt'), 'hello world');
  lines.length = 0;
  try {
    await session.writeFile(path.join(sshd.dir, 'written.txt'), 'hello', 0o600);
    await session.uploadDir(local, path.join(sshd.dir, 'uploaded'));
  } finally {
    await session.close();
  }
  expect(ssh()[0]).toMatch(new RegExp(`sftp wrote test-machine:${sshd.dir}/written\\.txt \\(5 bytes, mode 600\\) in \\d+ ms\\n$`));
  expect(ssh()[1]).toMatch(new RegExp(`copied ${local}/a\\.txt to test-machine:${sshd.dir}/uploaded/a\\.txt \\(11 bytes, mode 644\\) in \\d+ ms\\n$`));
});

it('logs each retry while waiting for SSH', async () => {
  const port = await freePort();
  await expect(waitForSsh(sshd.connectOptions({ port }), { timeoutMs: 1_500, intervalMs: 300 })).rejects.toMatchObject({ code: 'SSH_TIMEOUT' });
  const retries = lines.filter((line) => line.includes(' machine:retry '));
  expect(retries.length).toBeGreaterThanOrEqual(2);
  expect(retries[0]).toMatch(new RegExp(`test-machine: SSH not ready \\(cannot reach 127\\.0\\.0\\.1:${port} over SSH: connection refused\\), trying again in 300 ms, \\d+ s left\\n$`));
});
