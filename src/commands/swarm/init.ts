import { Args, Flags } from '@oclif/core';
import { MachineCommand } from '../../cli/base-command';
import { type SwarmMemberOutcome, initSwarmOn } from '../../services/swarm';

export default class SwarmInit extends MachineCommand<typeof SwarmInit> {
  static override summary = "make a machine the first manager of a new swarm (the engine's Swarm mode)";
  static override description =
    "The machine advertises the address its peers reach it at: the driver's cluster address (a cloud's private address, a QEMU machine's --qemu-network address) unless --advertise-addr says otherwise. Join tokens stay between the engines; they are never printed or stored.";
  static override examples = ['<%= config.bin %> swarm init m1', '<%= config.bin %> swarm init m1 --default-addr-pool 10.20.0.0/16'];
  static override enableJsonFlag = true;
  static override args = { manager: Args.string({ description: 'the machine that becomes the first manager', required: true }) };
  static override flags = {
    'advertise-addr': Flags.string({ description: 'address the manager advertises to the other nodes (default: the driver\'s cluster address)' }),
    'default-addr-pool': Flags.string({ description: 'address pool (CIDR) for overlay networks; repeat for several', multiple: true }),
  };

  async run(): Promise<SwarmMemberOutcome> {
    const { args, flags } = this;
    const outcome = await initSwarmOn(this.app, args.manager, {
      ...(flags['advertise-addr'] ? { advertiseAddr: flags['advertise-addr'] } : {}),
      ...(flags['default-addr-pool'] ? { defaultAddrPool: flags['default-addr-pool'] } : {}),
    });
    for (const note of outcome.notes) this.log(`${outcome.name}: ${note}`);
    this.log(`"${outcome.name}" manages swarm ${outcome.clusterId} at ${outcome.advertiseAddr} (${(outcome.ms / 1000).toFixed(1)}s).`);
    this.log(this.hint(`Add nodes with \`${this.config.bin} swarm join NAME... --manager ${outcome.name}\`.`));
    return outcome;
  }
}
