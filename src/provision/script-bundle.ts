import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { bundledPath } from './package-root';

/** A provision script as shipped in the package, with its path relative to provision-scripts/. */
export interface ScriptFile {
  relativePath: string;
  content: string;
}

/** The folders we upload; the layout matters because scripts source lib/common.sh next to themselves. */
const FOLDERS = ['.', 'lib'];

export async function readProvisionScripts(root: string = bundledPath('provision-scripts')): Promise<ScriptFile[]> {
  const files: ScriptFile[] = [];
  for (const folder of FOLDERS) {
    const names = (await fs.readdir(path.join(root, folder))).filter((name) => name.endsWith('.sh')).sort();
    for (const name of names) {
      const relativePath = folder === '.' ? name : `${folder}/${name}`;
      files.push({ relativePath, content: await fs.readFile(path.join(root, folder, name), 'utf8') });
    }
  }
  return files;
}
