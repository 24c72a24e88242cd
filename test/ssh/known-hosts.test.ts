import { createHmac, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { keyTypeOf, normalizeFingerprint, sha256Fingerprint } from '../../src/ssh/fingerprint';
import { carryPins, hostPattern, pinHostKey, readPinnedKeys } from '../../src/ssh/known-hosts';
import { fakeHostKey } from './fake-host-key';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-kh-'));
  file = path.join(dir, 'known_hosts');
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

describe('fingerprints', () => {
  it('formats SHA256 like OpenSSH (no padding) and normalizes what drivers pass', () => {
    const key = fakeHostKey(1);
    const fingerprint = sha256Fingerprint(key);
    expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(normalizeFingerprint(fingerprint.slice('SHA256:'.length) + '=')).toBe(fingerprint);
    expect(normalizeFingerprint(` ${fingerprint} `)).toBe(fingerprint);
    expect(keyTypeOf(key)).toBe('ssh-ed25519');
    expect(keyTypeOf(Buffer.alloc(2))).toBe('');
  });
});

describe('known_hosts', () => {
  it('uses OpenSSH host fields: bare host on port 22, [host]:port otherwise', () => {
    expect(hostPattern('10.0.0.5', 22)).toBe('10.0.0.5');
    expect(hostPattern('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
    expect(hostPattern('::1', 2222)).toBe('[::1]:2222');
  });

  it('reads nothing from a missing file, then what was pinned, per host and port', async () => {
    expect(await readPinnedKeys(file, 'h', 22)).toEqual([]);
    await pinHostKey(file, 'h', 22, fakeHostKey(1), { replace: false });
    await pinHostKey(file, 'h', 2222, fakeHostKey(2), { replace: false });
    expect((await readPinnedKeys(file, 'h', 22)).map((k) => k.key)).toEqual([fakeHostKey(1)]);
    expect((await readPinnedKeys(file, 'h', 2222)).map((k) => k.key)).toEqual([fakeHostKey(2)]);
    expect(await fs.readFile(file, 'utf8')).toBe(
      `h ssh-ed25519 ${fakeHostKey(1).toString('base64')}\n[h]:2222 ssh-ed25519 ${fakeHostKey(2).toString('base64')}\n`,
    );
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  });

  it('replace drops only this endpoint, also from shared lines, and keeps comments', async () => {
    const other = fakeHostKey(3).toString('base64');
    await fs.writeFile(file, `# mine\nh,other ssh-ed25519 ${other}\n[h]:2222 ssh-ed25519 ${other}\n`);
    await pinHostKey(file, 'h', 22, fakeHostKey(4), { replace: true });
    expect(await fs.readFile(file, 'utf8')).toBe(
      `# mine\nother ssh-ed25519 ${other}\n[h]:2222 ssh-ed25519 ${other}\nh ssh-ed25519 ${fakeHostKey(4).toString('base64')}\n`,
    );
  });

  it('matches hashed entries written by OpenSSH and ignores markers and corrupt lines', async () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('[h]:2222').digest('base64');
    const key = fakeHostKey(5).toString('base64');
    await fs.writeFile(
      file,
      [
        `|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${key}`,
        `@revoked [h]:2222 ssh-ed25519 ${fakeHostKey(6).toString('base64')}`,
        `[h]:2222 ssh-rsa ${key}`,
        '[h]:2222 ssh-ed25519',
      ].join('\n'),
    );
    expect((await readPinnedKeys(file, 'h', 2222)).map((k) => k.key)).toEqual([fakeHostKey(5)]);
  });

  it('carries every pinned key of a host to its new address, replacing what was pinned there', async () => {
    await pinHostKey(file, '198.51.100.1', 22, fakeHostKey(1), { replace: false });
    await pinHostKey(file, '198.51.100.1', 22, fakeHostKey(2), { replace: false });
    await pinHostKey(file, '198.51.100.9', 22, fakeHostKey(3), { replace: false });
    expect(await carryPins(file, { host: '198.51.100.1', port: 22 }, { host: '198.51.100.9', port: 22 })).toBe(2);
    expect((await readPinnedKeys(file, '198.51.100.9', 22)).map((k) => k.key)).toEqual([fakeHostKey(1), fakeHostKey(2)]);
    expect(await carryPins(file, { host: '203.0.113.1', port: 22 }, { host: '203.0.113.2', port: 22 })).toBe(0);
    expect(await readPinnedKeys(file, '203.0.113.2', 22)).toEqual([]);
  });
});
