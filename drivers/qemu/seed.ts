import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OperationError } from '../../src/core/errors';
import { ProcessError } from '../../src/util/process-error';
import { runProcess } from '../../src/util/run-process';

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
    '',
  ].join('\n');
}

export function renderMetaData(options: SeedOptions): string {
  return `instance-id: ${yaml(options.instanceId)}\nlocal-hostname: ${yaml(options.hostname)}\n`;
}

/** ISO writers that take mkisofs arguments; the first one found is used. */
const ISO_TOOLS: ReadonlyArray<{ file: string; prefix: string[] }> = [
  { file: 'genisoimage', prefix: [] },
  { file: 'mkisofs', prefix: [] },
  { file: 'xorriso', prefix: ['-as', 'mkisofs'] },
];

export const ISO_TOOL_SUGGESTIONS = [
  'Debian/Ubuntu: sudo apt-get install genisoimage',
  'Fedora/RHEL: sudo dnf install genisoimage (or xorriso)',
  'macOS: brew install cdrtools (or xorriso)',
  'Windows: install xorriso (e.g. from MSYS2) and put it on PATH',
];

export async function findIsoTool(): Promise<{ file: string; prefix: string[] } | undefined> {
  for (const tool of ISO_TOOLS) {
    // Any answer, even a failing one, shows the program is there; only a missing one is skipped.
    const found = await runProcess(tool.file, [...tool.prefix, '-version'], { timeoutMs: 10_000 }).then(
      () => true,
      (err: unknown) => !(err instanceof ProcessError && err.notFound),
    );
    if (found) return tool;
  }
  return undefined;
}

export function missingIsoToolError(): OperationError {
  return new OperationError('QEMU_ISO_TOOL_MISSING', 'no ISO writer found (genisoimage, mkisofs or xorriso) to build the cloud-init seed', ISO_TOOL_SUGGESTIONS);
}

/** Writes `seed.iso` (and its source folder `seed/`) into `dir`; returns the ISO's path. */
export async function writeSeedIso(dir: string, options: SeedOptions): Promise<string> {
  const tool = await findIsoTool();
  if (!tool) throw missingIsoToolError();
  const sourceDir = path.join(dir, 'seed');
  await fs.mkdir(sourceDir, { recursive: true, mode: 0o700 });
  const userData = path.join(sourceDir, 'user-data');
  const metaData = path.join(sourceDir, 'meta-data');
  await fs.writeFile(userData, renderUserData(options), { mode: 0o600 });
  await fs.writeFile(metaData, renderMetaData(options), { mode: 0o600 });
  const isoPath = path.join(dir, 'seed.iso');
  try {
    await runProcess(tool.file, [...tool.prefix, '-quiet', '-output', isoPath, '-volid', 'cidata', '-joliet', '-rock', userData, metaData], { timeoutMs: 60_000 });
  } catch (err) {
    await fs.rm(isoPath, { force: true });
    throw new OperationError('QEMU_SEED_FAILED', `could not write the cloud-init seed with ${tool.file}: ${(err as Error).message}`, [], err);
  }
  return isoPath;
}
