import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { generateMachineKeyPair } from '../../src/ssh/keys';

const run = promisify(execFile);

describe('generateMachineKeyPair', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-keys-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('writes an OpenSSH ed25519 key pair with private 0600 and public 0644, and nothing else', async () => {
    const pair = await generateMachineKeyPair(path.join(dir, 'web1', 'id_ed25519'));
    expect(pair.privateKeyPath).toBe(path.join(dir, 'web1', 'id_ed25519'));
    expect(pair.publicKey).toMatch(/^ssh-ed25519 AAAA[A-Za-z0-9+/=]+ machine$/);
    expect((await fs.stat(pair.privateKeyPath)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(`${pair.privateKeyPath}.pub`)).mode & 0o777).toBe(0o644);
    expect(await fs.readFile(`${pair.privateKeyPath}.pub`, 'utf8')).toBe(`${pair.publicKey}\n`);
    expect((await fs.readFile(pair.privateKeyPath, 'utf8')).startsWith('-----BEGIN OPENSSH PRIVATE KEY-----')).toBe(true);
    expect((await fs.readdir(path.join(dir, 'web1'))).sort()).toEqual(['id_ed25519', 'id_ed25519.pub']);
  });

  it('is readable by OpenSSH: ssh-keygen -y derives the same public key', async () => {
    const pair = await generateMachineKeyPair(path.join(dir, 'id_ed25519'));
    const { stdout } = await run('ssh-keygen', ['-y', '-f', pair.privateKeyPath]);
    const [type, blob] = stdout.trim().split(' ');
    expect(`${type} ${blob} machine`).toBe(pair.publicKey);
  });

  it('makes a different key each time and replaces the old one', async () => {
    const first = await generateMachineKeyPair(path.join(dir, 'id_ed25519'));
    const second = await generateMachineKeyPair(path.join(dir, 'id_ed25519'));
    expect(second.publicKey).not.toBe(first.publicKey);
    expect(await fs.readFile(`${second.privateKeyPath}.pub`, 'utf8')).toBe(`${second.publicKey}\n`);
  });
});
