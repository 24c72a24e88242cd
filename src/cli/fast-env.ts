import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { MachineApp } from '../services/app';
import { defaultStorePath } from '../core/store-layout';
import { detectShell } from '../engine/shell-detect';
import { isShell } from '../engine/shells';
import { envOutput, formatEnvWarning } from './env-output';
import { isDebugEnabled } from '../util/debug';

/**
 * `machine env` runs in shell prompts and rc files, so it must be quick; oclif alone costs ~70 ms to
 * load. For the plain forms (a name, --shell, --unset, --no-proxy, --context, --storage-path) this
 * prints the same script, and the same warnings on stderr, as the oclif command through the same
 * function. Anything else (help, --json, --debug, a bad flag, any error) answers false and the full
 * command runs, so messages and exit codes stay oclif's.
 * test/cli/fast-env.test.ts keeps these options in step with the command's flags.
 */
export const FAST_ENV_OPTIONS = {
  shell: { type: 'string' },
  unset: { type: 'boolean', short: 'u' },
  'no-proxy': { type: 'boolean' },
  context: { type: 'boolean' },
  'storage-path': { type: 'string', short: 's' },
  debug: { type: 'boolean' },
} as const;

export async function runFastEnv(
  argv: string[],
  write: (text: string) => void = (t) => process.stdout.write(t),
  writeError: (text: string) => void = (t) => process.stderr.write(t),
): Promise<boolean> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: FAST_ENV_OPTIONS, allowPositionals: true, strict: true });
    // --debug (or DEBUG/MACHINE_DEBUG) asks to see what happens: the full command shows it.
    if (positionals.length > 1 || values.debug || isDebugEnabled()) return false;
    const shell = values.shell === undefined ? detectShell() : isShell(values.shell) ? values.shell : undefined;
    if (!shell) return false;
    const app = new MachineApp(values['storage-path'] ?? defaultStorePath());
    const output = await envOutput(app, {
      name: positionals[0],
      shell,
      unset: values.unset ?? false,
      noProxy: values['no-proxy'] ?? false,
      context: values.context ?? false,
      bin: 'machine',
      // Typed on the command line (not from $MACHINE_STORAGE_PATH): the hint repeats it, absolute.
      ...(values['storage-path'] !== undefined ? { storePathFlag: path.resolve(values['storage-path']) } : {}),
    });
    for (const warning of output.warnings) writeError(formatEnvWarning(warning));
    write(output.script);
    return true;
  } catch {
    return false;
  }
}
