import { parseArgs } from 'node:util';
import { MachineApp } from '../services/app';
import { defaultStorePath } from '../core/store-layout';
import { findOnPath, runDockerOnMachine } from '../services/docker-cli';

/**
 * `machine docker NAME -- ARGS` wraps every docker command a user types, so our part must stay small:
 * loading oclif alone costs more than the budget. The plain form (a name, optionally
 * --storage-path, then `--` and docker's words) runs here; anything else, and any failure before
 * docker starts (an unknown machine, a record without an address), answers undefined and the oclif
 * command runs, so help, messages and exit codes stay oclif's. Resolves with docker's exit code.
 */
export async function runFastDocker(argv: readonly string[]): Promise<number | undefined> {
  const separator = argv.indexOf('--');
  // Without a local docker CLI the SSH fallback runs, where oclif's error handling is worth its cost.
  if (separator < 0 || !findOnPath('docker', process.env)) return undefined;
  try {
    const { values, positionals } = parseArgs({
      args: argv.slice(0, separator),
      options: { 'storage-path': { type: 'string', short: 's' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) return undefined;
    const app = new MachineApp(values['storage-path'] ?? defaultStorePath());
    const record = await app.record(positionals[0]);
    return await runDockerOnMachine(app, record, argv.slice(separator + 1));
  } catch {
    return undefined;
  }
}
