import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OperationError } from '../core/errors';
import type { BootFile } from '../core/driver';
import { buildIso } from './iso9660';
import { shellQuote } from '../util/shell-quote';

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
  /**
   * Files written early in the first boot, before systemd starts ordinary services (cloud-init's
   * network stage runs before sysinit.target), followed by a `systemctl daemon-reload` so unit
   * drop-ins among them count. Once per instance: a later boot must not put back files that have been
   * replaced since (regenerated certificates).
   */
  bootFiles?: readonly BootFile[];
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
    ...bootcmdLines(options),
    ...(options.runcmd && options.runcmd.length > 0 ? ['runcmd:', ...options.runcmd.map((line) => `  - [ sh, -c, ${yaml(line)} ]`)] : []),
    '',
  ].join('\n');
}

/**
 * One shell script writing every file: each lands under a temporary name with its mode and is renamed
 * into place, so dockerd never reads half a certificate. Contents travel as base64, so no byte of them
 * reaches the shell.
 */
export function bootFilesScript(files: readonly BootFile[]): string {
  // umask first: the server key must never exist readable by others, not even before its chmod.
  const lines = ['set -eu', 'umask 077'];
  for (const file of files) {
    if (!path.posix.isAbsolute(file.path)) throw new OperationError('SEED_FAILED', `a boot file's path must be absolute, not ${file.path}`);
    const target = shellQuote(file.path);
    const temp = shellQuote(`${file.path}.machine-new`);
    lines.push(
      `mkdir -p ${shellQuote(path.posix.dirname(file.path))}`,
      `printf %s ${shellQuote(Buffer.from(file.content).toString('base64'))} | base64 -d > ${temp}`,
      `chmod ${(file.mode & 0o7777).toString(8)} ${temp}`,
      `mv -f ${temp} ${target}`,
    );
  }
  lines.push('systemctl daemon-reload');
  return lines.join('\n');
}

/** One `bootcmd:` list: the every-boot lines first, then the once-per-instance boot files. */
function bootcmdLines(options: SeedOptions): string[] {
  const entries = (options.bootcmd ?? []).map((line) => `  - [ sh, -c, ${yaml(line)} ]`);
  if (options.bootFiles && options.bootFiles.length > 0) {
    entries.push(`  - [ cloud-init-per, instance, machine-boot-files, sh, -c, ${yaml(bootFilesScript(options.bootFiles))} ]`);
  }
  return entries.length > 0 ? ['bootcmd:', ...entries] : [];
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
