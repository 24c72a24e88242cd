import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { connectSsh } from '../../src/ssh/client';
import { HostKeyChangedError } from '../../src/ssh/host-key-pinning';
import { waitForSsh } from '../../src/ssh/wait';
import { startSshd, type SshdFixture } from './sshd-fixture';

jest.setTimeout(60_000);
const run = promisify(execFile);

let sshd: SshdFixture;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(() => sshd?.stop());

/** OpenSSH's own client, pointed at our known_hosts with strict checking: proves the file is OpenSSH's format. */
function opensshRun(knownHostsPath: string): Promise<unknown> {
  return run('ssh', [
    '-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHostsPath}`,
    '-i', sshd.clientKeyPath, '-p', String(sshd.port), `${sshd.user}@127.0.0.1`, 'true',
  ]);
}

it('pins on first contact, refuses a rebuilt host with both fingerprints, and accept-new re-pins', async () => {
  const options = sshd.connectOptions();
  const firstFingerprint = await sshd.fingerprintOf(`${sshd.hostKeyPath}.pub`);

  const first = await connectSsh(options);
  await first.close();
  const pinned = await fs.readFile(options.knownHostsPath, 'utf8');
  const hostPublicKey = (await fs.readFile(`${sshd.hostKeyPath}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
  expect(pinned).toBe(`[127.0.0.1]:${sshd.port} ${hostPublicKey}\n`);
  await expect(opensshRun(options.knownHostsPath)).resolves.toBeDefined();

  const again = await connectSsh({ ...options, pinMode: 'strict' });
  await again.close();

  // The host is "rebuilt": same address, new host key.
  const newHostKey = await sshd.newKey('host_key_rebuilt');
  await sshd.restart({ hostKeyPath: newHostKey });
  const newFingerprint = await sshd.fingerprintOf(`${newHostKey}.pub`);

  const refusal = await connectSsh(options).catch((err: unknown) => err);
  expect(refusal).toBeInstanceOf(HostKeyChangedError);
  const message = (refusal as Error).message;
  expect(message).toContain(firstFingerprint);
  expect(message).toContain(newFingerprint);
  expect(message).toContain('machine ssh test-machine --accept-host-key -- true');
  expect(await fs.readFile(options.knownHostsPath, 'utf8')).toBe(pinned);

  // waitForSsh does not retry a changed key: it fails at once.
  const started = Date.now();
  await expect(waitForSsh(options, { timeoutMs: 30_000, intervalMs: 200 })).rejects.toBeInstanceOf(HostKeyChangedError);
  expect(Date.now() - started).toBeLessThan(5_000);

  const accepted = await connectSsh({ ...options, pinMode: 'accept-new' });
  expect((await accepted.exec('echo ok')).stdout).toBe('ok\n');
  await accepted.close();
  const strict = await connectSsh({ ...options, pinMode: 'strict' });
  await strict.close();
  await expect(opensshRun(options.knownHostsPath)).resolves.toBeDefined();
});

it('strict mode refuses a host that was never pinned', async () => {
  const options = sshd.connectOptions({ knownHostsPath: `${sshd.dir}/never_pinned`, pinMode: 'strict' });
  await expect(connectSsh(options)).rejects.toMatchObject({ code: 'HOST_KEY_UNKNOWN' });
});

it('refuses a host whose key is not among the fingerprints the driver expected', async () => {
  const options = sshd.connectOptions({
    knownHostsPath: `${sshd.dir}/expected_known_hosts`,
    expectedFingerprints: ['SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  });
  await expect(connectSsh(options)).rejects.toMatchObject({ code: 'HOST_KEY_UNEXPECTED' });
  const real = await sshd.fingerprintOf(`${sshd.hostKeyPath}.pub`);
  const session = await connectSsh({ ...options, expectedFingerprints: [real] });
  await session.close();
});
