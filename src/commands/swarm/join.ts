import { Args, Flags } from '@oclif/core';
import { MachineCommand } from '../../cli/base-command';
import { type SwarmMemberOutcome, joinSwarmOn } from '../../services/swarm';

export default class SwarmJoin extends MachineCommand<typeof SwarmJoin> {
  static override summary = "join machines to a manager's swarm, one after the other";
  static override examples = ['<%= config.bin %> swarm join w1 w2 --manager m1', '<%= config.bin %> swarm join m2 --manager m1 --role manager'];
  static override enableJsonFlag = true;
  static override strict = false;
  static override args = { names: Args.string({ description: 'machines to join', required: true }) };
  static override flags = {
    manager: Flags.string({ char: 'm', description: 'a manager of the swarm to join', required: true }),
    role: Flags.string({ description: 'role of the new nodes', options: ['worker', 'manager'], default: 'worker' }),
  };

  async run(): Promise<SwarmMemberOutcome[]> {
    const { flags } = this;
    return joinSwarmOn(this.app, this.positionals, {
      manager: flags.manager,
      role: flags.role === 'manager' ? 'manager' : 'worker',
      onJoined: (o) => this.log(`${o.notes.map((n) => `${o.name}: ${n}\n`).join('')}"${o.name}" joined swarm ${o.clusterId.slice(0, 12)} as a ${o.role} at ${o.advertiseAddr} (${(o.ms / 1000).toFixed(1)}s).`),
    });
  }
}
