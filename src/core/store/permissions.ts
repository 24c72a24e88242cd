import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { StoreLayout } from '../store-layout';
import { entryKind } from './no-follow';

const OPEN_TO_OTHERS = 0o077;

/**
 * The store holds private keys: its folders are for their owner only. A folder that group or others
 * may enter is narrowed to its owner's bits when it is the user's, and reported either way (someone
 * else's folder is theirs to fix). Links are left alone; the no-follow checks refuse them where used.
 */
export async function tightenStorePermissions(layout: StoreLayout, warn: (message: string) => void): Promise<void> {
  const folders = [layout.root, layout.machinesDir, layout.certsDir];
  const machines = await fs.readdir(layout.machinesDir).catch(() => [] as string[]);
  folders.push(...machines.filter((n) => !n.startsWith('.')).map((n) => path.join(layout.machinesDir, n)));
  for (const folder of folders) {
    // The root may be a link the user made; below it only real folders count.
    const kind = folder === layout.root ? 'directory' : await entryKind(folder);
    if (kind !== 'directory') continue;
    const stat = await fs.stat(folder).catch(() => undefined);
    if (!stat || (stat.mode & OPEN_TO_OTHERS) === 0) continue;
    const mode = (stat.mode & 0o777).toString(8);
    if (stat.uid === process.getuid?.()) {
      const narrowed = stat.mode & 0o700;
      const done = await fs.chmod(folder, narrowed).then(
        () => true,
        () => false,
      );
      warn(
        done
          ? `${folder} was open to group/others (mode ${mode}); narrowed to ${narrowed.toString(8)}, as the store holds private keys`
          : `${folder} is open to group/others (mode ${mode}) and could not be narrowed; run \`chmod go-rwx ${folder}\``,
      );
    } else {
      warn(`${folder} is open to group/others (mode ${mode}) and belongs to another user (uid ${stat.uid}); ask them to run \`chmod go-rwx ${folder}\``);
    }
  }
}
