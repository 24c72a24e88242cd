import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../core/fs-atomic';
import { entryKind, symlinkRefused } from '../core/store/no-follow';
import type { PemPair } from './types';

/** Only the owner may read a private key or list the folder that holds keys. Certificates are public. */
export const PRIVATE_KEY_MODE = 0o600;
export const CERTIFICATE_MODE = 0o644;
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Creates the folder (and its parents) if needed and makes it 0700 even if it existed with a looser
 * mode. A link there is refused: chmod would change whatever it points at.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  if ((await entryKind(dir)) === 'symlink') throw symlinkRefused(dir);
  await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await fs.chmod(dir, PRIVATE_DIR_MODE);
}

/**
 * Writes a key and its certificate, each atomically (temp file with its final mode, then rename).
 * The key goes first: a crash in between leaves a key with no certificate, which readers treat as
 * "not made yet" and overwrite, never a certificate whose key is missing.
 */
export async function writePemPair(paths: { cert: string; key: string }, pair: PemPair): Promise<void> {
  await writeFileAtomic(paths.key, pair.keyPem, PRIVATE_KEY_MODE);
  await writeFileAtomic(paths.cert, pair.certPem, CERTIFICATE_MODE);
}
