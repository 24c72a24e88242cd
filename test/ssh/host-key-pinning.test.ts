import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sha256Fingerprint } from '../../src/ssh/fingerprint';
import { HostKeyChangedError, HostKeyPinning, type PinMode } from '../../src/ssh/host-key-pinning';
import { readPinnedKeys } from '../../src/ssh/known-hosts';
import { fakeHostKey } from './fake-host-key';

let dir: string;
let knownHostsPath: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-pin-'));
  knownHostsPath = path.join(dir, 'known_hosts');
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

function pinning(pinMode: PinMode, expectedFingerprints?: string[]): HostKeyPinning {
  return new HostKeyPinning({ machineName: 'web1', host: '192.0.2.7', port: 2222, knownHostsPath, pinMode, expectedFingerprints });
}

const pinnedKeys = async (): Promise<Buffer[]> => (await readPinnedKeys(knownHostsPath, '192.0.2.7', 2222)).map((k) => k.key);

describe('HostKeyPinning', () => {
  it('pins on first use, accepts the same key later, refuses another with both fingerprints and the fix', async () => {
    await pinning('trust-on-first-use').check(fakeHostKey(1));
    expect(await pinnedKeys()).toEqual([fakeHostKey(1)]);
    await expect(pinning('strict').check(fakeHostKey(1))).resolves.toBeUndefined();

    const refusal = pinning('trust-on-first-use').check(fakeHostKey(2));
    await expect(refusal).rejects.toBeInstanceOf(HostKeyChangedError);
    const error = (await refusal.catch((e: unknown) => e)) as HostKeyChangedError;
    expect(error.code).toBe('HOST_KEY_CHANGED');
    expect(error.message).toContain(sha256Fingerprint(fakeHostKey(1)));
    expect(error.message).toContain(sha256Fingerprint(fakeHostKey(2)));
    expect(error.message).toContain('accept the new key deliberately with: machine ssh web1 --accept-host-key -- true');
    expect(await pinnedKeys()).toEqual([fakeHostKey(1)]);
  });

  it('strict refuses a host with no pin', async () => {
    await expect(pinning('strict').check(fakeHostKey(1))).rejects.toMatchObject({ code: 'HOST_KEY_UNKNOWN' });
    expect(await pinnedKeys()).toEqual([]);
  });

  it('accept-new replaces the pin', async () => {
    await pinning('trust-on-first-use').check(fakeHostKey(1));
    await pinning('accept-new').check(fakeHostKey(2));
    expect(await pinnedKeys()).toEqual([fakeHostKey(2)]);
  });

  it('pins only a key among the expected fingerprints, in any spelling', async () => {
    const expected = sha256Fingerprint(fakeHostKey(1));
    await expect(pinning('trust-on-first-use', [expected]).check(fakeHostKey(2))).rejects.toMatchObject({
      code: 'HOST_KEY_UNEXPECTED',
      message: expect.stringContaining(expected),
    });
    expect(await pinnedKeys()).toEqual([]);
    await pinning('trust-on-first-use', [`${expected.slice('SHA256:'.length)}=`]).check(fakeHostKey(1));
    expect(await pinnedKeys()).toEqual([fakeHostKey(1)]);
  });

  it('offers the pinned key type first so an unchanged host shows the same key', async () => {
    await fs.writeFile(knownHostsPath, `[192.0.2.7]:2222 ecdsa-sha2-nistp256 ${ecdsaBlob().toString('base64')}\n`);
    const algorithms = await pinning('strict').preferredAlgorithms();
    expect(algorithms[0]).toBe('ecdsa-sha2-nistp256');
    expect(algorithms).toContain('ssh-ed25519');
    expect(new Set(algorithms).size).toBe(algorithms.length);
  });
});

function ecdsaBlob(): Buffer {
  const type = Buffer.from('ecdsa-sha2-nistp256');
  const blob = Buffer.alloc(4 + type.length);
  blob.writeUInt32BE(type.length, 0);
  type.copy(blob, 4);
  return blob;
}
