import type { MachineApp } from './app';
import type { Progress } from './progress';
import { errorMessage } from '../core/errors';
import { writeFileAtomic } from '../core/fs-atomic';
import type { MachineRecord } from '../core/machine-record';
import { machineSshConfigPath, renderMachineSshConfig, renderStoreSshConfig, storeSshConfigPath } from '../engine/ssh-client-config';
import { readIfExists } from '../util/read-if-exists';

/**
 * Keeps the machine's `Host machine-NAME` block and the store's including file up to date (see
 * src/engine/ssh-client-config.ts). Files are rewritten only when their text changes.
 */
export async function writeSshClientConfig(app: MachineApp, record: MachineRecord): Promise<void> {
  const machineConfig = renderMachineSshConfig(record, app.layout);
  if (machineConfig === undefined) return;
  await writeIfChanged(machineSshConfigPath(app.layout, record.name), machineConfig);
  await writeIfChanged(storeSshConfigPath(app.layout), renderStoreSshConfig(app.layout));
}

async function writeIfChanged(file: string, content: string): Promise<void> {
  if ((await readIfExists(file)) === content) return;
  // 0600 like everything in the store: it names key paths and addresses, which are nobody else's business.
  await writeFileAtomic(file, content, 0o600);
}

/** As writeSshClientConfig; without the file only `ssh machine-NAME` and ssh:// contexts suffer, so a failure is a note. */
export async function refreshSshClientConfig(app: MachineApp, record: MachineRecord, progress: Progress): Promise<void> {
  await writeSshClientConfig(app, record).catch((err: unknown) => progress.note('ssh config', `could not write ${record.name}'s ssh_config: ${errorMessage(err)}`));
}
