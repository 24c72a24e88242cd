import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { InstalledPlugin } from '../../../src/services/plugin-drivers';
import { repoRoot } from '../helpers/cli';

/** The sample driver package (test/fixtures/sample-driver), built by `npm run build`. */
export const sampleDriverRoot = path.join(repoRoot, 'test', 'fixtures', 'sample-driver');

/**
 * A plugin package on disk as oclif lists an installed plugin: what the core's discovery reads. The
 * contract suite loads a plugin's driver through the same discovery and loader as the CLI.
 */
export function installedPluginAt(root: string): InstalledPlugin {
  const pjson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  return { name: pjson.name, version: pjson.version, root, type: 'link', pjson };
}
