import { SWARM_PORTS } from '../../src/core/driver';
import type { AzureConfig } from './config';
import type { AzurePort, SecurityRule } from './azure-port';
import { mergedRules, missingRules } from './nsg-rules';
import { MANAGED_TAG } from './tags';

/**
 * Swarm mode's ports in the machine's network security group, from the machines' own subnet only. An
 * NSG cannot name itself as a source, so the source is the subnet every machine of this driver's
 * network shares; nothing outside it gets in.
 */
const SWARM_RULE_PREFIX = 'machine-swarm-';

function swarmNsgRules(subnetPrefix: string): SecurityRule[] {
  // Priorities are placed by mergedRules, after the rules already there.
  return SWARM_PORTS.map(({ protocol, port, what }) => ({
    name: `${SWARM_RULE_PREFIX}${port}-${protocol}`,
    protocol: protocol === 'tcp' ? 'Tcp' : 'Udp',
    port,
    sources: [subnetPrefix],
    priority: 0,
    description: `${what}, between swarm members (machine)`,
  }));
}

type Config = Pick<AzureConfig, 'resourceGroup' | 'location' | 'vnet' | 'subnet' | 'subnetPrefix'>;

async function subnetPrefixOf(azure: AzurePort, config: Config): Promise<string> {
  return (await azure.getSubnet(config.resourceGroup, config.vnet, config.subnet))?.addressPrefix ?? config.subnetPrefix;
}

/** Adds the swarm rules to the machine's NSG when it is ours and lacks them; a group the user made is only reported. */
export async function openSwarmNsgRules(azure: AzurePort, config: Config, nsgName: string): Promise<string[]> {
  const nsg = await azure.getNsg(config.resourceGroup, nsgName);
  if (!nsg) return [`network security group ${nsgName} not found: swarm ports not opened`];
  const missing = missingRules(nsg.rules, swarmNsgRules(await subnetPrefixOf(azure, config)));
  if (missing.length === 0) return [];
  const ports = missing.map((r) => `${r.port}/${r.protocol.toLowerCase()}`).join(', ');
  if (nsg.tags[MANAGED_TAG] !== 'true') return [`network security group ${nsgName} is not machine's: open ${ports} from the machines' subnet for swarm mode`];
  await azure.putNsg(config.resourceGroup, nsgName, { location: config.location, tags: nsg.tags, rules: mergedRules(nsg.rules, missing) }, async () => undefined, {});
  return [`opened swarm ports ${ports} in network security group ${nsgName}`];
}

/** Removes the swarm rules from an NSG of ours (the last member left). */
export async function closeSwarmNsgRules(azure: AzurePort, config: Config, nsgName: string): Promise<string[]> {
  const nsg = await azure.getNsg(config.resourceGroup, nsgName);
  if (!nsg || nsg.tags[MANAGED_TAG] !== 'true') return [];
  const kept = nsg.rules.filter((r) => !r.name.startsWith(SWARM_RULE_PREFIX));
  if (kept.length === nsg.rules.length) return [];
  await azure.putNsg(config.resourceGroup, nsgName, { location: config.location, tags: nsg.tags, rules: kept }, async () => undefined, {});
  return [`closed the swarm ports in network security group ${nsgName}`];
}
