import { Args } from '@oclif/core';
import { MachineCommand } from '../../cli/base-command';
import { type UseOutcome, useMachine } from '../../services/docker-context';
import { reachableManagerName } from '../../services/swarm-list';

export default class SwarmUse extends MachineCommand<typeof SwarmUse> {
  static override summary = "make a reachable manager of a machine's swarm the current docker context";
  static override examples = ['<%= config.bin %> swarm use w1'];
  static override enableJsonFlag = true;
  static override args = { name: Args.string({ description: 'any machine of the swarm', required: true }) };

  async run(): Promise<UseOutcome & { manager: string }> {
    const manager = await reachableManagerName(this.app, this.args.name);
    const outcome = await useMachine(this.app, manager);
    for (const warning of outcome.warnings) this.warn(this.hint(warning));
    this.log(this.hint(`Current docker context is now "${outcome.context}" (manager "${manager}").`));
    return { ...outcome, manager };
  }
}
