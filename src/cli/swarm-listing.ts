import type { SwarmListing } from '../services/swarm-list';
import { alignColumns } from './listing/tab-writer';

/** `machine swarm ls` as a table: one line per node, managers first. */
export function renderSwarmTable(listing: SwarmListing): string {
  const header = ['MACHINE', 'NODE ID', 'HOSTNAME', 'ROLE', 'AVAILABILITY', 'STATUS', 'ENGINE', 'REACHABLE'];
  const lines = listing.nodes.map((n) => [
    n.machine ?? '-',
    n.nodeId.slice(0, 12),
    n.hostname || '-',
    n.leader ? 'manager (leader)' : n.role,
    n.availability || '-',
    n.state || '-',
    n.engineVersion || '-',
    n.reachable ? 'yes' : 'no',
  ]);
  return alignColumns([header, ...lines].map((cells) => cells.join('\t')).join('\n'));
}
