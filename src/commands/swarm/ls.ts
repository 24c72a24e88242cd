import { Args } from '@oclif/core';
import { MachineCommand } from '../../cli/base-command';
import { renderSwarmTable } from '../../cli/swarm-listing';
import { type SwarmListing, listSwarm } from '../../services/swarm-list';

export default class SwarmLs extends MachineCommand<typeof SwarmLs> {
  static override summary = "list a swarm's nodes as a reachable manager sees them";
  static override examples = ['<%= config.bin %> swarm ls', '<%= config.bin %> swarm ls m1 --json'];
  static override enableJsonFlag = true;
  static override args = { name: Args.string({ description: 'any machine of the swarm (default: the only swarm of the store)' }) };

  async run(): Promise<SwarmListing> {
    const listing = await listSwarm(this.app, this.args.name);
    this.log(renderSwarmTable(listing));
    return listing;
  }
}
