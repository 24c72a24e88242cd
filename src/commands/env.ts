import { Flags } from '@oclif/core';
import { MachineCommand } from '../cli/base-command';
import { machineNameArg } from '../cli/machine-arg';
import { UsageError } from '../core/errors';
import { SHELLS } from '../engine/shells';
import { detectShell } from '../engine/shell-detect';
import { envOutput, formatEnvWarning } from '../cli/env-output';

export interface EnvResult {
  shell: string;
  set: Record<string, string>;
  unset: string[];
}


export default class Env extends MachineCommand<typeof Env> {
  static override summary = 'print the shell commands that point docker at a machine';
  static override description =
    "Prints DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and DOCKER_MACHINE_NAME for your shell; with --context, DOCKER_CONTEXT naming the machine's docker context instead. Warns on stderr where the shell's DOCKER_HOST or docker context would override what it prints, or be overridden by it. Reads only local files: no network call.";
  static override examples = [
    'eval "$(<%= config.bin %> env dev1)"',
    '<%= config.bin %> env dev1 --shell fish | source',
    'eval "$(<%= config.bin %> env --context dev1)"',
    '<%= config.bin %> env --unset',
  ];
  static override enableJsonFlag = true;
  static override args = machineNameArg;
  static override flags = {
    shell: Flags.option({ options: SHELLS, description: 'shell to print for (detected when omitted)' })(),
    unset: Flags.boolean({ char: 'u', description: 'print the commands that undo env' }),
    'no-proxy': Flags.boolean({ description: "add the machine's address to NO_PROXY" }),
    context: Flags.boolean({ description: "print DOCKER_CONTEXT (the machine's docker context) instead of the TLS variables" }),
  };

  async run(): Promise<EnvResult> {
    const { flags, args } = this;
    const shell = flags.shell ?? detectShell();
    if (!shell) throw new UsageError('cannot tell which shell you use ($SHELL is empty)', [`name it: ${this.config.bin} env --shell bash`]);
    const output = await envOutput(this.app, {
      ...(args.name ? { name: args.name } : {}),
      shell,
      unset: flags.unset,
      noProxy: flags['no-proxy'],
      context: flags.context,
      bin: this.config.bin,
      ...(this.storePathFlag !== undefined ? { storePathFlag: this.storePathFlag } : {}),
    });
    // Written as the fast path writes them (not this.warn's layout): the same words either way.
    for (const warning of output.warnings) process.stderr.write(formatEnvWarning(warning));
    this.emit(output.script);
    return { shell, set: Object.fromEntries(output.set), unset: output.unset };
  }

  private emit(script: string): void {
    if (!this.jsonEnabled()) process.stdout.write(script.endsWith('\n') ? script : `${script}\n`);
  }
}
