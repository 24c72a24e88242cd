import { Args, Flags } from '@oclif/core';
import { MachineCommand } from '../../cli/base-command';
import { envOutput, formatEnvWarning } from '../../cli/env-output';
import { UsageError } from '../../core/errors';
import { detectShell } from '../../engine/shell-detect';
import { SHELLS } from '../../engine/shells';
import { reachableManagerName } from '../../services/swarm-list';

export default class SwarmEnv extends MachineCommand<typeof SwarmEnv> {
  static override summary = "print the commands that point the docker CLI at a reachable manager of a machine's swarm";
  static override examples = ['eval "$(<%= config.bin %> swarm env w1)"'];
  static override enableJsonFlag = true;
  static override args = { name: Args.string({ description: 'any machine of the swarm', required: true }) };
  static override flags = {
    shell: Flags.option({ options: SHELLS, description: 'shell to print for (detected when omitted)' })(),
  };

  async run(): Promise<{ manager: string; shell: string; set: Record<string, string> }> {
    const shell = this.flags.shell ?? detectShell();
    if (!shell) throw new UsageError('cannot tell which shell you use ($SHELL is empty)', [`name it: ${this.config.bin} swarm env --shell bash ${this.args.name}`]);
    const manager = await reachableManagerName(this.app, this.args.name);
    const output = await envOutput(this.app, {
      name: manager,
      shell,
      unset: false,
      noProxy: false,
      context: false,
      bin: this.config.bin,
      ...(this.storePathFlag !== undefined ? { storePathFlag: this.storePathFlag } : {}),
    });
    for (const warning of output.warnings) process.stderr.write(formatEnvWarning(warning));
    if (!this.jsonEnabled()) process.stdout.write(output.script.endsWith('\n') ? output.script : `${output.script}\n`);
    return { manager, shell, set: Object.fromEntries(output.set) };
  }
}
