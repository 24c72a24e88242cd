import { promises as fs } from 'node:fs';
import { MachineError } from '../core/errors';
import { armoredKeyFingerprint } from './openpgp';
import { bundledPath } from './package-root';

/** Docker's apt signing key, as published at https://download.docker.com/linux/debian/gpg. */
export const DOCKER_APT_KEY_FINGERPRINT = '9DC858229FC7DD38854AE2D88D81803C0EBFCD88';

export interface VerifiedKey {
  armored: string;
  fingerprint: string;
}

export function bundledDockerKeyPath(): string {
  return bundledPath('keys', 'docker-apt.asc');
}

/**
 * Reads keys/docker-apt.asc from the package and refuses it unless its fingerprint is the pinned one:
 * a swapped key file must not quietly become the trust root of every host we provision.
 */
export async function loadBundledDockerKey(file: string = bundledDockerKeyPath()): Promise<VerifiedKey> {
  const armored = await fs.readFile(file, 'utf8');
  const fingerprint = armoredKeyFingerprint(armored);
  if (fingerprint !== DOCKER_APT_KEY_FINGERPRINT) {
    throw new MachineError(`the bundled Docker apt key ${file} has fingerprint ${fingerprint}, expected ${DOCKER_APT_KEY_FINGERPRINT}`, {
      code: 'INVALID_KEY',
      suggestions: ['reinstall machine; the package files were changed'],
    });
  }
  return { armored, fingerprint };
}
