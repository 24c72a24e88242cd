import { UsageError } from '../core/errors';
import type { EngineOptions } from '../core/machine-record';
import { loadBundledDockerKey } from './docker-key';
import { armoredKeyFingerprint } from './openpgp';
import type { RepositoryKey } from './plan';

/**
 * The key apt will trust for the engine repository, checked on this side before it goes anywhere:
 * Docker's bundled key must match its pinned fingerprint; a user's key must at least be a public key,
 * and its fingerprint is passed on so a signature failure can name the key that was expected.
 */
export async function resolveRepositoryKey(engine: EngineOptions, repoKeyArmored: string | undefined): Promise<RepositoryKey | undefined> {
  switch (engine.install) {
    case 'docker':
      return loadBundledDockerKey();
    case 'repo':
      if (repoKeyArmored === undefined) {
        throw new UsageError('--engine-install repo needs --engine-repo-key', ['give the armored public key (.asc) that signs --engine-repo-url']);
      }
      return { armored: repoKeyArmored, fingerprint: armoredKeyFingerprint(repoKeyArmored) };
    default:
      return undefined;
  }
}
