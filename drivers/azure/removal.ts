import type { ResourceRecord } from '../../src/core/machine-record';
import type { AzurePort, AzureResourceKind, ResourceName } from './azure-port';
import type { AzureConfig } from './config';
import { MANAGED_TAG } from './tags';

/**
 * Teardown order: the reverse of create, with the OS disk right after the VM that holds it (Azure
 * refuses to delete a disk, an interface, an address or a network while something still uses it).
 */
export const REMOVAL_ORDER: readonly AzureResourceKind[] = [
  'azure-vm',
  'azure-disk',
  'azure-nic',
  'azure-public-ip',
  'azure-nsg',
  'azure-subnet',
  'azure-vnet',
  'azure-availability-set',
  'azure-resource-group',
];

const WHAT: Record<AzureResourceKind, string> = {
  'azure-vm': 'VM',
  'azure-disk': 'disk',
  'azure-nic': 'network interface',
  'azure-public-ip': 'public IP',
  'azure-nsg': 'network security group',
  'azure-subnet': 'subnet',
  'azure-vnet': 'virtual network',
  'azure-availability-set': 'availability set',
  'azure-resource-group': 'resource group',
};

export function describeResource(resource: Pick<ResourceName, 'kind' | 'name'>): string {
  return `${WHAT[resource.kind]} ${resource.name}`;
}

/** A journal entry back as the resource it names; entries of other kinds (none today) are skipped. */
export function resourceNameOf(record: ResourceRecord): ResourceName | undefined {
  if (!(REMOVAL_ORDER as readonly string[]).includes(record.kind)) return undefined;
  const { resourceGroup, name, parent } = record.attributes ?? {};
  if (!resourceGroup || !name) return undefined;
  return { kind: record.kind as AzureResourceKind, resourceGroup, name, ...(parent ? { parent } : {}) };
}

/**
 * Removes what the journal lists, in REMOVAL_ORDER, and says what happened. The machine's own
 * resources go whatever their state; shared ones (security group, network, availability set, resource
 * group) go only when we made them (journaled, or tagged as ours by the machine that did) and nothing
 * else uses them any more. A resource already gone is success; a VM deleted elsewhere is reported.
 */
export async function removeResources(azure: AzurePort, config: AzureConfig, journal: readonly ResourceRecord[], signal?: AbortSignal): Promise<string[]> {
  const notes: string[] = [];
  const deleted: string[] = [];
  const journaled = journal.map(resourceNameOf).filter((r): r is ResourceName => r !== undefined);
  const candidates = [...journaled, ...(await sharedOfOurs(azure, config, journaled))];
  const wait = signal ? { signal } : {};
  for (const kind of REMOVAL_ORDER) {
    for (const resource of candidates.filter((r) => r.kind === kind)) {
      const keptBecause = await stillUsed(azure, resource);
      if (keptBecause) {
        notes.push(`kept ${describeResource(resource)}: ${keptBecause}`);
        continue;
      }
      const outcome = await azure.deleteResource(resource, wait);
      if (outcome === 'deleted') deleted.push(describeResource(resource));
      else if (kind === 'azure-vm') notes.push(`VM ${resource.name} was already gone (deleted outside machine)`);
    }
  }
  if (deleted.length > 0) notes.unshift(`deleted ${deleted.join(', ')}`);
  return notes;
}

/**
 * Shared resources the config names that another machine of ours created (tagged as ours) and this
 * one did not journal: the last machine to leave takes them along, so `rm` leaves nothing behind.
 */
async function sharedOfOurs(azure: AzurePort, config: AzureConfig, journaled: ResourceName[]): Promise<ResourceName[]> {
  const group = config.resourceGroup;
  const has = (kind: AzureResourceKind, name: string) => journaled.some((r) => r.kind === kind && r.name === name);
  const ours = (tags: Record<string, string> | undefined) => tags?.[MANAGED_TAG] === 'true';
  const found: ResourceName[] = [];
  if (config.nsg && !has('azure-nsg', config.nsg) && ours((await azure.getNsg(group, config.nsg))?.tags)) found.push({ kind: 'azure-nsg', resourceGroup: group, name: config.nsg });
  if (!has('azure-vnet', config.vnet) && ours((await azure.getVnet(group, config.vnet))?.tags)) found.push({ kind: 'azure-vnet', resourceGroup: group, name: config.vnet });
  if (config.availabilitySet && !has('azure-availability-set', config.availabilitySet) && ours((await azure.getAvailabilitySet(group, config.availabilitySet))?.tags)) {
    found.push({ kind: 'azure-availability-set', resourceGroup: group, name: config.availabilitySet });
  }
  if (!has('azure-resource-group', group) && ours((await azure.getResourceGroup(group))?.tags)) found.push({ kind: 'azure-resource-group', resourceGroup: group, name: group });
  return found;
}

/** Why a shared resource must stay (something else still uses it), or undefined when it may go. */
async function stillUsed(azure: AzurePort, resource: ResourceName): Promise<string | undefined> {
  const { resourceGroup: group, name } = resource;
  switch (resource.kind) {
    case 'azure-nsg': {
      const users = (await azure.getNsg(group, name))?.users ?? [];
      return users.length > 0 ? `still used by ${users.map(lastSegment).join(', ')}` : undefined;
    }
    case 'azure-subnet': {
      const subnet = await azure.getSubnet(group, resource.parent ?? '', name);
      return subnet && subnet.ipConfigurations > 0 ? `${subnet.ipConfigurations} network interface(s) still in it` : undefined;
    }
    case 'azure-vnet': {
      const vnet = await azure.getVnet(group, name);
      const busy = vnet?.subnets.filter((s) => s.ipConfigurations > 0).map((s) => s.name) ?? [];
      return busy.length > 0 ? `subnet(s) ${busy.join(', ')} still hold network interfaces` : undefined;
    }
    case 'azure-availability-set': {
      const vms = (await azure.getAvailabilitySet(group, name))?.vmIds ?? [];
      return vms.length > 0 ? `still holds ${vms.map(lastSegment).join(', ')}` : undefined;
    }
    case 'azure-resource-group': {
      const left = await azure.resourcesIn(group);
      return left.length > 0 ? `still holds ${left.length} resource(s): ${left.slice(0, 5).map(lastSegment).join(', ')}${left.length > 5 ? ', ...' : ''}` : undefined;
    }
    default:
      return undefined;
  }
}

function lastSegment(id: string): string {
  return id.split('/').pop() ?? id;
}
