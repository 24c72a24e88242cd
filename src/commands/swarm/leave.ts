import { Args, Flags } from '@oclif/core';
import { MachineCommand } from '../../cli/base-command';
import { type LeaveOutcome, leaveSwarmOf } from '../../services/swarm-leave';

export default class SwarmLeave extends MachineCommand<typeof SwarmLeave> {
  static override summary = 'take a machine out of its swarm: drain it, leave, remove its node';
  static override description =
    'A manager leaves only when the managers left keep quorum (it is demoted first); the only manager of a swarm with other nodes is refused unless --force.';
  static override examples = ['<%= config.bin %> swarm leave w1', '<%= config.bin %> swarm leave m1 --force'];
  static override enableJsonFlag = true;
  static override args = { name: Args.string({ description: 'the machine to take out', required: true }) };
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'leave even when the swarm loses its quorum or its last manager, or the machine cannot be reached' }),
  };

  async run(): Promise<LeaveOutcome> {
    const outcome = await leaveSwarmOf(this.app, this.args.name, { force: this.flags.force });
    for (const note of outcome.notes) this.log(`${outcome.name}: ${note}`);
    this.log(`"${outcome.name}" is out of its swarm (${(outcome.ms / 1000).toFixed(1)}s).`);
    return outcome;
  }
}
