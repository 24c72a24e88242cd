import { promises as fs } from 'node:fs';
import type { BackingResource } from './backing';

/**
 * What the core itself keeps in STORE/machines/NAME (see StoreLayout): the record, the machine's SSH
 * key, the pinned host key, certificates, the provisioning log. Anything else there is the driver's.
 */
const CORE_FILES = new Set([
  'config.json',
  'id_ed25519',
  'id_ed25519.pub',
  'known_hosts',
  'ca.pem',
  'cert.pem',
  'key.pem',
  'server.pem',
  'server-key.pem',
  'provision.log',
  'engine-repo-key.asc',
]);

/** Names in the machine folder that the core did not write (none when the folder is gone). */
export async function driverFiles(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  return names.filter((name) => !CORE_FILES.has(name)).sort();
}

/**
 * The driver's files in the machine folder as resources: each known name is accounted for by a
 * journal entry of the given kind; an unknown name by none, so a file a driver starts writing
 * without a journal entry to remove it by shows up as a leftover.
 */
export async function machineFolderResources(dir: string, kindOfFile: Readonly<Record<string, string>> = {}): Promise<BackingResource[]> {
  return (await driverFiles(dir)).map((name) => {
    const kind = kindOfFile[name];
    return { description: `file ${name} in the machine folder`, journaledAs: kind ? [{ kind }] : [] };
  });
}
