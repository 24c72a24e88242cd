import { throwIfCreateInterrupted } from '../../src/core/errors';
import type { AzurePort, AzureResourceKind, NicInfo, NsgInfo, PublicIpInfo, ResourceName, SubnetInfo } from './azure-port';
import type { AzureConfig } from './config';
import type { MachineResourceNames } from './names';
import { mergedRules, missingRules, wantedRules } from './nsg-rules';
import { MANAGED_TAG, machineTags, managedTags } from './tags';

/** What each step of create needs: the port, the machine, and where to journal and report. */
export interface StepContext {
  azure: AzurePort;
  config: AzureConfig;
  machineName: string;
  names: MachineResourceNames;
  signal: AbortSignal;
  progress(message: string): void;
  /** False for --engine-transport ssh: the NSG opens no engine port. */
  exposeEnginePort: boolean;
  /** Journals a resource the moment Azure accepted it. */
  journal(resource: ResourceName, id: string): Promise<void>;
}

function accepted(ctx: StepContext, kind: AzureResourceKind, name: string, parent?: string): (id: string) => Promise<void> {
  return (id) => ctx.journal({ kind, resourceGroup: ctx.config.resourceGroup, name, ...(parent ? { parent } : {}) }, id);
}

/** The resource group: created when missing (tagged as ours), used as it is otherwise. */
export async function ensureResourceGroup(ctx: StepContext): Promise<void> {
  const { azure, config } = ctx;
  const existing = await azure.getResourceGroup(config.resourceGroup);
  if (existing) {
    if (existing.location !== config.location) ctx.progress(`resource group ${config.resourceGroup} is in ${existing.location}; the machine goes to ${config.location}`);
    return;
  }
  ctx.progress(`creating resource group ${config.resourceGroup} in ${config.location}`);
  const id = await azure.createResourceGroup(config.resourceGroup, config.location, managedTags(ctx.machineName, config));
  await accepted(ctx, 'azure-resource-group', config.resourceGroup)(id);
}

export async function ensureAvailabilitySet(ctx: StepContext): Promise<string | undefined> {
  const { azure, config } = ctx;
  if (!config.availabilitySet) return undefined;
  const existing = await azure.getAvailabilitySet(config.resourceGroup, config.availabilitySet);
  if (existing) return existing.id;
  ctx.progress(`creating availability set ${config.availabilitySet}`);
  const id = await azure.createAvailabilitySet(config.resourceGroup, config.availabilitySet, config.location, managedTags(ctx.machineName, config));
  await accepted(ctx, 'azure-availability-set', config.availabilitySet)(id);
  return id;
}

/** The subnet: the virtual network is created with it when missing, the subnet alone when only it is. */
export async function ensureSubnet(ctx: StepContext): Promise<SubnetInfo> {
  const { azure, config } = ctx;
  const vnet = await azure.getVnet(config.resourceGroup, config.vnet);
  if (!vnet) {
    ctx.progress(`creating virtual network ${config.vnet} (${config.subnetPrefix}) with subnet ${config.subnet}`);
    const spec = { location: config.location, tags: managedTags(ctx.machineName, config), addressPrefix: config.subnetPrefix, subnet: config.subnet };
    const made = await azure.createVnet(config.resourceGroup, config.vnet, spec, accepted(ctx, 'azure-vnet', config.vnet), { signal: ctx.signal });
    const subnet = made.subnets.find((s) => s.name === config.subnet);
    if (!subnet) throw new Error(`virtual network ${config.vnet} was created without subnet ${config.subnet}`);
    return subnet;
  }
  const subnet = vnet.subnets.find((s) => s.name === config.subnet);
  if (subnet) return subnet;
  ctx.progress(`creating subnet ${config.subnet} (${config.subnetPrefix}) in ${config.vnet}`);
  return azure.createSubnet(config.resourceGroup, config.vnet, config.subnet, config.subnetPrefix, accepted(ctx, 'azure-subnet', config.subnet, config.vnet), { signal: ctx.signal });
}

/**
 * The network security group: created when missing, opening SSH and the engine port. One of ours that
 * lacks a rule gets it; one the user made is never changed, only warned about, since it may guard
 * things we know nothing of.
 */
export async function ensureNsg(ctx: StepContext): Promise<NsgInfo> {
  const { azure, config, names } = ctx;
  const wanted = wantedRules(config, ctx.exposeEnginePort);
  const existing = await azure.getNsg(config.resourceGroup, names.nsg);
  if (!existing) {
    ctx.progress(`creating network security group ${names.nsg}`);
    const spec = { location: config.location, tags: managedTags(ctx.machineName, config), rules: wanted };
    return azure.putNsg(config.resourceGroup, names.nsg, spec, accepted(ctx, 'azure-nsg', names.nsg), { signal: ctx.signal });
  }
  const missing = missingRules(existing.rules, wanted);
  if (missing.length === 0) {
    ctx.progress(`using network security group ${names.nsg}`);
    return existing;
  }
  const ports = missing.map((r) => `${r.port}/${r.protocol.toLowerCase()}`).join(', ');
  if (existing.tags[MANAGED_TAG] !== 'true') {
    ctx.progress(`warning: network security group ${names.nsg} is not ours and does not open ${ports} to ${config.allowedCidrs.join(', ')}; SSH or the engine may be unreachable`);
    return existing;
  }
  ctx.progress(`adding ${ports} to network security group ${names.nsg}`);
  // Already ours: an update is not a resource this machine made, so it is not journaled again.
  const spec = { location: config.location, tags: existing.tags, rules: mergedRules(existing.rules, missing) };
  return azure.putNsg(config.resourceGroup, names.nsg, spec, async () => undefined, { signal: ctx.signal });
}

export async function createPublicIp(ctx: StepContext): Promise<PublicIpInfo | undefined> {
  const { azure, config, names } = ctx;
  if (config.noPublicIp) return undefined;
  // Standard and static: Azure retired Basic public IPs (the only dynamic ones) on 30 September 2025.
  // A Standard address stays with the machine through deallocation, and is closed until the NSG allows.
  const spec = {
    location: config.location,
    tags: machineTags(ctx.machineName, config),
    sku: 'Standard' as const,
    allocation: 'Static' as const,
    ...(config.dnsLabel ? { dnsLabel: config.dnsLabel } : {}),
    ...(config.zone ? { zones: [config.zone] } : {}),
  };
  ctx.progress(`creating ${spec.allocation.toLowerCase()} public IP ${names.publicIp}`);
  return azure.createPublicIp(config.resourceGroup, names.publicIp, spec, accepted(ctx, 'azure-public-ip', names.publicIp), { signal: ctx.signal });
}

export async function createNic(ctx: StepContext, subnet: SubnetInfo, nsg: NsgInfo, publicIp: PublicIpInfo | undefined): Promise<NicInfo> {
  const { azure, config, names } = ctx;
  const spec = {
    location: config.location,
    tags: machineTags(ctx.machineName, config),
    subnetId: subnet.id,
    nsgId: nsg.id,
    ...(publicIp ? { publicIpId: publicIp.id } : {}),
    ...(config.privateIpAddress ? { privateIpAddress: config.privateIpAddress } : {}),
    acceleratedNetworking: config.acceleratedNetworking,
  };
  ctx.progress(`creating network interface ${names.nic}`);
  return azure.createNic(config.resourceGroup, names.nic, spec, accepted(ctx, 'azure-nic', names.nic), { signal: ctx.signal });
}

/** Between the steps of create: stop if the user interrupted it. */
export function checkInterrupt(ctx: StepContext): void {
  throwIfCreateInterrupted(ctx.signal);
}
