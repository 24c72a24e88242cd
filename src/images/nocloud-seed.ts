import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OperationError } from '../core/errors';
import { buildIso } from './iso9660';

/**
 * The cloud-init NoCloud seed: two small files on a volume labelled `cidata`, which cloud-init finds
 * on first boot. It makes the login user with the machine's key and passwordless sudo (provisioning
 * runs sudo non-interactively), and names the host.
 */
export interface SeedOptions {
  /** New for every create, so a re-created machine of the same name runs cloud-init again. */
  instanceId: string;
  hostname: string;
  user: string;
  sshPublicKey: string;
  /** Shell lines cloud-init runs once, late in the first boot (each as `sh -c LINE`). */
  runcmd?: readonly string[];
  /** Shell lines cloud-init runs at every boot, early in its network stage (before sshd starts). */
  bootcmd?: readonly string[];
}

/** JSON strings are valid YAML scalars: user input can never change the document's structure. */
const yaml = (value: string): string => JSON.stringify(value);

export function renderUserData(options: SeedOptions): string {
  return [
    '#cloud-config',
    'users:',
    `  - name: ${yaml(options.user)}`,
    '    shell: /bin/bash',
    '    lock_passwd: true',
    `    sudo: ${yaml('ALL=(ALL) NOPASSWD:ALL')}`,
    '    ssh_authorized_keys:',
    `      - ${yaml(options.sshPublicKey.trim())}`,
    'ssh_pwauth: false',
    'preserve_hostname: false',
    `hostname: ${yaml(options.hostname)}`,
    ...(options.bootcmd && options.bootcmd.length > 0 ? ['bootcmd:', ...options.bootcmd.map((line) => `  - [ sh, -c, ${yaml(line)} ]`)] : []),
    ...(options.runcmd && options.runcmd.length > 0 ? ['runcmd:', ...options.runcmd.map((line) => `  - [ sh, -c, ${yaml(line)} ]`)] : []),
    '',
  ].join('\n');
}

export function renderMetaData(options: SeedOptions): string {
  return `instance-id: ${yaml(options.instanceId)}\nlocal-hostname: ${yaml(options.hostname)}\n`;
}

/**
 * Writes `seed.iso` into `dir` with the project's own ISO writer (no genisoimage/xorriso needed on the
 * host, which Windows does not have); returns the ISO's path. Written to a temporary name and renamed,
 * so a machine never boots a half-written seed.
 */
export async function writeSeedIso(dir: string, options: SeedOptions): Promise<string> {
  const isoPath = path.join(dir, 'seed.iso');
  const temp = `${isoPath}.${process.pid}.tmp`;
  const iso = buildIso({
    volumeId: 'cidata',
    files: [
      { name: 'user-data', content: Buffer.from(renderUserData(options)) },
      { name: 'meta-data', content: Buffer.from(renderMetaData(options)) },
    ],
  });
  try {
    await fs.writeFile(temp, iso, { mode: 0o600 });
    await fs.rename(temp, isoPath);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw new OperationError('SEED_FAILED', `could not write the cloud-init seed ${isoPath}: ${(err as Error).message}`, [], err);
  }
  return isoPath;
}
