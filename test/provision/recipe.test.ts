import type { EngineOptions } from '../../src/core/machine-record';
import { provisioningRecipe } from '../../src/provision/recipe';
import type { ScriptFile } from '../../src/provision/script-bundle';

const engine: EngineOptions = { install: 'distro', port: 2376, labels: [], opts: [], env: [], insecureRegistries: [], registryMirrors: [] };
const scripts: ScriptFile[] = [
  { relativePath: 'install-engine.sh', content: 'echo install' },
  { relativePath: 'lib/common.sh', content: 'log() { :; }' },
];

describe('provisioningRecipe', () => {
  it('changes with the engine source, its version and any script, not with per-machine settings', async () => {
    const base = await provisioningRecipe(engine, undefined, scripts);
    expect(base.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(base.summary).toMatch(/^docker\.io from the distribution; scripts [0-9a-f]{12}$/);

    const perMachine = await provisioningRecipe({ ...engine, port: 2377, labels: ['env=test'], opts: ['debug=true'], storageDriver: 'overlay2' }, undefined, scripts);
    expect(perMachine.hash).toBe(base.hash);

    const changed = await Promise.all([
      provisioningRecipe({ ...engine, version: '20.10' }, undefined, scripts),
      provisioningRecipe({ ...engine, install: 'none' }, undefined, scripts),
      provisioningRecipe(engine, undefined, [scripts[0], { relativePath: 'lib/common.sh', content: 'log() { echo; }' }]),
      provisioningRecipe(engine, undefined, [...scripts, { relativePath: 'seal-image.sh', content: 'true' }]),
    ]);
    for (const other of changed) expect(other.hash).not.toBe(base.hash);
    expect(changed[0].summary).toContain('docker.io 20.10 from the distribution');
  });

  it('names Docker\'s repository and its key for --engine-install docker', async () => {
    const docker = await provisioningRecipe({ ...engine, install: 'docker' }, undefined, scripts);
    expect(docker.summary).toContain("docker-ce from Docker's repository");
  });
});
