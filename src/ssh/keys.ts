import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../core/fs-atomic';
import { generateEd25519OpenSsh } from './openssh-key';

export interface MachineKeyPair {
  privateKeyPath: string;
  /** One OpenSSH authorized_keys line: `ssh-ed25519 AAAA... machine`. */
  publicKey: string;
}

/** The comment in the public key line, so a user reading authorized_keys on the host sees who put it there. */
const KEY_COMMENT = 'machine';

/**
 * Makes the machine's own ed25519 SSH key: the private key at `privateKeyPath` (0600, OpenSSH private
 * key format, so `ssh -i` works too) and the public key beside it with `.pub` (0644). Each file is
 * written atomically, the private key first, so a crash never leaves a public key whose private half
 * is missing.
 */
export async function generateMachineKeyPair(privateKeyPath: string): Promise<MachineKeyPair> {
  const pair = generateEd25519OpenSsh(KEY_COMMENT);
  const publicKey = pair.publicKey;
  await fs.mkdir(path.dirname(privateKeyPath), { recursive: true, mode: 0o700 });
  await writeFileAtomic(privateKeyPath, pair.privateKey, 0o600);
  await writeFileAtomic(`${privateKeyPath}.pub`, `${publicKey}\n`, 0o644);
  return { privateKeyPath, publicKey };
}
