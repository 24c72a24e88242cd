import { createHash } from 'node:crypto';
import type { EngineOptions } from '../core/machine-record';
import { resolveRepositoryKey } from './repository-key';
import { readProvisionScripts, type ScriptFile } from './script-bundle';

/**
 * What provisioning puts on a disk, as a hash: the engine's source and version and the scripts that
 * install it. Two machines of the same base image and recipe get the same disk from provisioning
 * (before the per-machine work), so one's sealed disk may serve the other. Per-machine settings
 * (labels, dockerd options, the port, certificates) are left out: they are applied on every machine.
 */
export interface ProvisioningRecipe {
  hash: string;
  /** The same in words, for `machine cache ls`. */
  summary: string;
}

export async function provisioningRecipe(engine: EngineOptions, repoKeyArmored: string | undefined, scripts?: ScriptFile[]): Promise<ProvisioningRecipe> {
  const files = scripts ?? (await readProvisionScripts());
  const key = await resolveRepositoryKey(engine, repoKeyArmored);
  const source = {
    install: engine.install,
    version: engine.version ?? '',
    repoUrl: engine.repoUrl ?? '',
    repoSuite: engine.repoSuite ?? '',
    repoComponent: engine.repoComponent ?? '',
    repoKey: key?.fingerprint ?? '',
  };
  const hash = createHash('sha256');
  hash.update(JSON.stringify(source));
  for (const file of [...files].sort((a, b) => a.relativePath.localeCompare(b.relativePath))) {
    hash.update(`\0${file.relativePath}\0${file.content}`);
  }
  const scriptsHash = createHash('sha256')
    .update(files.map((f) => `${f.relativePath}\0${f.content}`).join('\0'))
    .digest('hex')
    .slice(0, 12);
  return { hash: hash.digest('hex'), summary: `${summarize(engine)}; scripts ${scriptsHash}` };
}

function summarize(engine: EngineOptions): string {
  const version = engine.version ? ` ${engine.version}` : '';
  switch (engine.install) {
    case 'none':
      return 'engine from the image (--engine-install none)';
    case 'distro':
      return `docker.io${version} from the distribution`;
    case 'docker':
      return `docker-ce${version} from Docker's repository`;
    case 'repo':
      return `engine${version} from ${engine.repoUrl ?? 'a repository'}${engine.repoSuite ? ` ${engine.repoSuite}` : ''}`;
  }
}
