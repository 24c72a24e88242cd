import { Flags } from '@oclif/core';
import { MachineCommand } from '../cli/base-command';
import { machineNameArg } from '../cli/machine-arg';
import { UsageError } from '../core/errors';
import { type UnuseOutcome, type UseOutcome, unuseMachine, useMachine } from '../services/docker-context';

export default class Use extends MachineCommand<typeof Use> {
  static override summary = "make a machine's docker context the current one, for every shell";
  static override description =
    'Writes the docker context machine-NAME (in $DOCKER_CONFIG, default ~/.docker) and makes it current, as `docker context use` does: plain `docker` then talks to the machine, in every shell, with no variables. --unset goes back to the context that was current before. DOCKER_HOST and DOCKER_CONTEXT, where set, still take precedence over the current context.';
  static override examples = ['<%= config.bin %> use dev1', '<%= config.bin %> use --unset'];
  static override enableJsonFlag = true;
  static override args = machineNameArg;
  static override flags = {
    unset: Flags.boolean({ char: 'u', description: 'go back to the docker context that was current before' }),
  };

  async run(): Promise<UseOutcome | UnuseOutcome> {
    const { flags, args } = this;
    if (flags.unset) {
      if (args.name) throw new UsageError('--unset takes no machine name');
      const outcome = await unuseMachine(this.app);
      this.log(outcome.changed ? `Current docker context is now "${outcome.context}".` : `The current docker context "${outcome.context}" is not a machine's: left as it is.`);
      return outcome;
    }
    const outcome = await useMachine(this.app, args.name);
    for (const warning of outcome.warnings) this.warn(this.hint(warning));
    this.log(this.hint(`Current docker context is now "${outcome.context}". \`${this.config.bin} use --unset\` goes back to "${outcome.previous}".`));
    return outcome;
  }
}
