import { ComputeManagementClient, type ResourceSku, type StorageAccountTypes, type VirtualMachine } from '@azure/arm-compute';
import { NetworkManagementClient, type NetworkSecurityGroup, type PublicIPAddress, type SecurityRule as ArmSecurityRule, type Subnet, type VirtualNetwork } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { TlsSettings } from '@azure/core-rest-pipeline';
import { DefaultAzureCredential } from '@azure/identity';
import type {
  AzurePort,
  DeleteOutcome,
  ImageVersionInfo,
  NicInfo,
  NicSpec,
  NsgInfo,
  OnAccepted,
  ProviderInfo,
  PublicIpInfo,
  PublicIpSpec,
  ResourceGroupInfo,
  ResourceName,
  ResourceTags,
  SecurityRule,
  SubnetInfo,
  VmInfo,
  VmSku,
  VmSpec,
  VmStatus,
  VnetInfo,
  Wait,
} from './azure-port';
import { cloudEndpoints } from './clouds';
import type { AzureConfig } from './config';
import type { ImageUrn } from './image-urn';
import { describeResource } from './removal';
import { fetchBlobText } from './sdk-blob';
import { debugPolicies } from './sdk-debug';
import { azureFailure, isNotFound } from './sdk-errors';

/** Test-only transport settings (a local control plane's CA); a real run passes nothing. */
export interface SdkTransport {
  tlsOptions?: TlsSettings;
}

/** How long the serial log's SAS URI is asked to live; it is reused for most of that time. */
const SAS_MINUTES = 10;

/**
 * The Azure port on the real SDK. The credential is DefaultAzureCredential, made at every command:
 * the environment's service principal or workload identity, a managed identity, or `az login`. The
 * SDK's own policies retry throttling (429 with Retry-After) and transient failures; its pollers
 * follow each long-running operation's Azure-AsyncOperation or Location header.
 */
export function sdkAzurePort(config: AzureConfig, transport: SdkTransport = {}): AzurePort {
  const cloud = cloudEndpoints(config.environment, config.endpoint);
  const credential = new DefaultAzureCredential({
    authorityHost: cloud.authorityHost,
    // An authority of its own (Azure Stack, a private cloud) is trusted as configured: instance
    // discovery would ask the public cloud about a host it does not know.
    ...(cloud.knownAuthority ? {} : { disableInstanceDiscovery: true }),
    ...transport,
  });
  const options = (service: string) => ({
    endpoint: cloud.resourceManager,
    // The generated clients build request URLs from $host, and token scopes from endpoint.
    $host: cloud.resourceManager,
    credentialScopes: [cloud.scope],
    additionalPolicies: debugPolicies(service),
    ...transport,
  });
  return new SdkAzurePort(
    config.subscriptionId,
    new ComputeManagementClient(credential, config.subscriptionId, options('Compute')),
    new NetworkManagementClient(credential, config.subscriptionId, options('Network')),
    new ResourceManagementClient(credential, config.subscriptionId, options('Resources')),
    transport,
  );
}

interface PollerLike<T> {
  pollUntilDone(options?: { abortSignal?: AbortSignal }): Promise<T>;
}

class SdkAzurePort implements AzurePort {
  private sas?: { uri: string; until: number };

  constructor(
    private readonly subscriptionId: string,
    private readonly compute: ComputeManagementClient,
    private readonly network: NetworkManagementClient,
    private readonly resources: ResourceManagementClient,
    private readonly transport: SdkTransport,
  ) {}

  async provider(namespace: string): Promise<ProviderInfo | undefined> {
    const provider = await this.lookup(`read resource provider ${namespace}`, () => this.resources.providers.get(namespace));
    if (!provider) return undefined;
    return {
      registrationState: provider.registrationState ?? 'Unknown',
      locationsOf: (resourceType) => provider.resourceTypes?.find((t) => t.resourceType?.toLowerCase() === resourceType.toLowerCase())?.locations?.map(locationId),
    };
  }

  async vmSkus(location: string): Promise<VmSku[]> {
    return this.call(`list VM sizes in ${location}`, async () => {
      const skus: VmSku[] = [];
      for await (const sku of this.compute.resourceSkus.list({ filter: `location eq '${location}'` })) {
        if (sku.resourceType === 'virtualMachines' && sku.name) skus.push(vmSkuOf(sku, location));
      }
      return skus;
    });
  }

  async imageOffers(location: string, publisher: string): Promise<string[]> {
    const offers = await this.lookup(`list image offers of ${publisher}`, () => this.compute.virtualMachineImages.listOffers(location, publisher));
    return (offers ?? []).map((o) => o.name);
  }

  async imageVersions(location: string, urn: Omit<ImageUrn, 'version'>): Promise<string[]> {
    const versions = await this.lookup(`list versions of image ${urn.publisher}:${urn.offer}:${urn.sku}`, () => this.compute.virtualMachineImages.list(location, urn.publisher, urn.offer, urn.sku));
    return (versions ?? []).map((v) => v.name);
  }

  async imageVersion(location: string, urn: ImageUrn): Promise<ImageVersionInfo | undefined> {
    const image = await this.lookup(`read image ${urn.publisher}:${urn.offer}:${urn.sku}:${urn.version}`, () =>
      this.compute.virtualMachineImages.get(location, urn.publisher, urn.offer, urn.sku, urn.version),
    );
    if (!image) return undefined;
    return {
      urn: { ...urn, version: image.name || urn.version },
      ...(image.plan ? { plan: { publisher: image.plan.publisher, product: image.plan.product, name: image.plan.name } } : {}),
      ...(image.architecture ? { architecture: image.architecture } : {}),
      ...(image.hyperVGeneration ? { hyperVGeneration: image.hyperVGeneration } : {}),
    };
  }

  async getResourceGroup(name: string): Promise<ResourceGroupInfo | undefined> {
    const group = await this.lookup(`read resource group ${name}`, () => this.resources.resourceGroups.get(name));
    return group ? { location: group.location, tags: group.tags ?? {} } : undefined;
  }

  async createResourceGroup(name: string, location: string, tags: ResourceTags): Promise<string> {
    const group = await this.call(`create resource group ${name}`, () => this.resources.resourceGroups.createOrUpdate(name, { location, tags }));
    return group.id ?? `/subscriptions/${this.subscriptionId}/resourceGroups/${name}`;
  }

  async resourcesIn(resourceGroup: string): Promise<string[]> {
    const ids = await this.lookup(`list resources of ${resourceGroup}`, async () => {
      const found: string[] = [];
      for await (const resource of this.resources.resources.listByResourceGroup(resourceGroup)) if (resource.id) found.push(resource.id);
      return found;
    });
    return ids ?? [];
  }

  async getAvailabilitySet(resourceGroup: string, name: string): Promise<{ id: string; tags: ResourceTags; vmIds: string[] } | undefined> {
    const set = await this.lookup(`read availability set ${name}`, () => this.compute.availabilitySets.get(resourceGroup, name));
    return set ? { id: set.id ?? '', tags: set.tags ?? {}, vmIds: (set.virtualMachines ?? []).map((v) => v.id ?? '') } : undefined;
  }

  async createAvailabilitySet(resourceGroup: string, name: string, location: string, tags: ResourceTags): Promise<string> {
    // Aligned: the set holds VMs with managed disks.
    const set = await this.call(`create availability set ${name}`, () => this.compute.availabilitySets.createOrUpdate(resourceGroup, name, { location, tags, sku: { name: 'Aligned' }, platformFaultDomainCount: 2, platformUpdateDomainCount: 5 }));
    return set.id ?? '';
  }

  async getVnet(resourceGroup: string, name: string): Promise<VnetInfo | undefined> {
    const vnet = await this.lookup(`read virtual network ${name}`, () => this.network.virtualNetworks.get(resourceGroup, name));
    return vnet ? vnetInfo(vnet) : undefined;
  }

  async createVnet(resourceGroup: string, name: string, spec: { location: string; tags: ResourceTags; addressPrefix: string; subnet: string }, accepted: OnAccepted, wait: Wait): Promise<VnetInfo> {
    const body: VirtualNetwork = { location: spec.location, tags: spec.tags, addressSpace: { addressPrefixes: [spec.addressPrefix] }, subnets: [{ name: spec.subnet, addressPrefix: spec.addressPrefix }] };
    const vnet = await this.put(`create virtual network ${name}`, (o) => this.network.virtualNetworks.beginCreateOrUpdate(resourceGroup, name, body, o), this.id(resourceGroup, 'Microsoft.Network/virtualNetworks', name), accepted, wait);
    return vnetInfo(vnet);
  }

  async createSubnet(resourceGroup: string, vnet: string, name: string, addressPrefix: string, accepted: OnAccepted, wait: Wait): Promise<SubnetInfo> {
    const id = `${this.id(resourceGroup, 'Microsoft.Network/virtualNetworks', vnet)}/subnets/${name}`;
    const subnet = await this.put(`create subnet ${name} in ${vnet}`, (o) => this.network.subnets.beginCreateOrUpdate(resourceGroup, vnet, name, { addressPrefix }, o), id, accepted, wait);
    return subnetInfo(subnet);
  }

  async getSubnet(resourceGroup: string, vnet: string, name: string): Promise<SubnetInfo | undefined> {
    const subnet = await this.lookup(`read subnet ${name} of ${vnet}`, () => this.network.subnets.get(resourceGroup, vnet, name));
    return subnet ? subnetInfo(subnet) : undefined;
  }

  async getNsg(resourceGroup: string, name: string): Promise<NsgInfo | undefined> {
    const nsg = await this.lookup(`read network security group ${name}`, () => this.network.networkSecurityGroups.get(resourceGroup, name));
    return nsg ? nsgInfo(nsg) : undefined;
  }

  async putNsg(resourceGroup: string, name: string, spec: { location: string; tags: ResourceTags; rules: SecurityRule[] }, accepted: OnAccepted, wait: Wait): Promise<NsgInfo> {
    const body: NetworkSecurityGroup = { location: spec.location, tags: spec.tags, securityRules: spec.rules.map(armRule) };
    const nsg = await this.put(`create network security group ${name}`, (o) => this.network.networkSecurityGroups.beginCreateOrUpdate(resourceGroup, name, body, o), this.id(resourceGroup, 'Microsoft.Network/networkSecurityGroups', name), accepted, wait);
    return nsgInfo(nsg);
  }

  async getPublicIp(resourceGroup: string, name: string): Promise<PublicIpInfo | undefined> {
    const ip = await this.lookup(`read public IP ${name}`, () => this.network.publicIPAddresses.get(resourceGroup, name));
    return ip ? publicIpInfo(ip) : undefined;
  }

  async publicIpById(id: string): Promise<PublicIpInfo | undefined> {
    const match = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/publicIPAddresses\/([^/]+)$/i.exec(id);
    if (!match) return undefined;
    return this.getPublicIp(match[1] as string, match[2] as string);
  }

  async createPublicIp(resourceGroup: string, name: string, spec: PublicIpSpec, accepted: OnAccepted, wait: Wait): Promise<PublicIpInfo> {
    const body: PublicIPAddress = {
      location: spec.location,
      tags: spec.tags,
      sku: { name: spec.sku, tier: 'Regional' },
      publicIPAllocationMethod: spec.allocation,
      publicIPAddressVersion: 'IPv4',
      ...(spec.dnsLabel ? { dnsSettings: { domainNameLabel: spec.dnsLabel } } : {}),
      ...(spec.zones ? { zones: spec.zones } : {}),
    };
    const ip = await this.put(`create public IP ${name}`, (o) => this.network.publicIPAddresses.beginCreateOrUpdate(resourceGroup, name, body, o), this.id(resourceGroup, 'Microsoft.Network/publicIPAddresses', name), accepted, wait);
    return publicIpInfo(ip);
  }

  async getNic(resourceGroup: string, name: string): Promise<NicInfo | undefined> {
    const nic = await this.lookup(`read network interface ${name}`, () => this.network.networkInterfaces.get(resourceGroup, name));
    return nic ? nicInfo(nic) : undefined;
  }

  async createNic(resourceGroup: string, name: string, spec: NicSpec, accepted: OnAccepted, wait: Wait): Promise<NicInfo> {
    const body = {
      location: spec.location,
      tags: spec.tags,
      networkSecurityGroup: { id: spec.nsgId },
      enableAcceleratedNetworking: spec.acceleratedNetworking,
      ipConfigurations: [
        {
          name: 'ipconfig1',
          primary: true,
          subnet: { id: spec.subnetId },
          privateIPAllocationMethod: spec.privateIpAddress ? ('Static' as const) : ('Dynamic' as const),
          ...(spec.privateIpAddress ? { privateIPAddress: spec.privateIpAddress } : {}),
          ...(spec.publicIpId ? { publicIPAddress: { id: spec.publicIpId } } : {}),
        },
      ],
    };
    const nic = await this.put(`create network interface ${name}`, (o) => this.network.networkInterfaces.beginCreateOrUpdate(resourceGroup, name, body, o), this.id(resourceGroup, 'Microsoft.Network/networkInterfaces', name), accepted, wait);
    return nicInfo(nic);
  }

  async getVm(resourceGroup: string, name: string): Promise<VmInfo | undefined> {
    const vm = await this.lookup(`read VM ${name}`, () => this.compute.virtualMachines.get(resourceGroup, name));
    return vm ? vmInfo(vm) : undefined;
  }

  async createVm(resourceGroup: string, name: string, spec: VmSpec, accepted: OnAccepted, wait: Wait): Promise<VmInfo> {
    const vm = await this.put(`create VM ${name}`, (o) => this.compute.virtualMachines.beginCreateOrUpdate(resourceGroup, name, armVm(spec), o), this.id(resourceGroup, 'Microsoft.Compute/virtualMachines', name), accepted, wait);
    return vmInfo(vm);
  }

  async vmStatus(resourceGroup: string, name: string): Promise<VmStatus | undefined> {
    const view = await this.lookup(`read the instance view of VM ${name}`, () => this.compute.virtualMachines.instanceView(resourceGroup, name));
    if (!view) return undefined;
    const codes = (view.statuses ?? []).map((s) => s.code ?? '');
    const part = (prefix: string) => codes.find((c) => c.startsWith(`${prefix}/`))?.slice(prefix.length + 1);
    const provisioning = part('ProvisioningState');
    const power = part('PowerState');
    return { ...(provisioning ? { provisioning } : {}), ...(power ? { power } : {}) };
  }

  async startVm(resourceGroup: string, name: string): Promise<void> {
    await this.call(`start VM ${name}`, () => this.compute.virtualMachines.beginStart(resourceGroup, name));
  }

  async deallocateVm(resourceGroup: string, name: string): Promise<void> {
    await this.call(`deallocate VM ${name}`, () => this.compute.virtualMachines.beginDeallocate(resourceGroup, name));
  }

  async powerOffVm(resourceGroup: string, name: string, skipShutdown: boolean): Promise<void> {
    await this.call(`power off VM ${name}`, () => this.compute.virtualMachines.beginPowerOff(resourceGroup, name, { skipShutdown }));
  }

  async restartVm(resourceGroup: string, name: string): Promise<void> {
    await this.call(`restart VM ${name}`, () => this.compute.virtualMachines.beginRestart(resourceGroup, name));
  }

  async serialLog(resourceGroup: string, name: string): Promise<string | undefined> {
    const uri = await this.serialLogUri(resourceGroup, name);
    if (!uri) return undefined;
    const text = await this.call(`read the serial log of VM ${name}`, () => fetchBlobText(uri, this.transport.tlsOptions));
    // An expired or refused SAS: ask for a new one next time.
    if (text === 'refused') this.sas = undefined;
    return typeof text === 'string' && text !== 'refused' ? text : undefined;
  }

  async getDisk(resourceGroup: string, name: string): Promise<{ id: string } | undefined> {
    const disk = await this.lookup(`read disk ${name}`, () => this.compute.disks.get(resourceGroup, name));
    return disk ? { id: disk.id ?? '' } : undefined;
  }

  async deleteResource(resource: ResourceName, wait: Wait): Promise<DeleteOutcome> {
    const { resourceGroup: group, name } = resource;
    const step = `delete ${describeResource(resource)}`;
    const opts = { abortSignal: wait.signal };
    const exists = async () => {
      switch (resource.kind) {
        case 'azure-vm': return (await this.getVm(group, name)) !== undefined;
        case 'azure-disk': return (await this.getDisk(group, name)) !== undefined;
        case 'azure-nic': return (await this.getNic(group, name)) !== undefined;
        case 'azure-public-ip': return (await this.getPublicIp(group, name)) !== undefined;
        case 'azure-nsg': return (await this.getNsg(group, name)) !== undefined;
        case 'azure-subnet': return (await this.getSubnet(group, resource.parent ?? '', name)) !== undefined;
        case 'azure-vnet': return (await this.getVnet(group, name)) !== undefined;
        case 'azure-availability-set': return (await this.getAvailabilitySet(group, name)) !== undefined;
        case 'azure-resource-group': return (await this.getResourceGroup(name)) !== undefined;
      }
    };
    // ARM answers a DELETE of a missing resource with success too: ask first, so the user hears which it was.
    if (!(await exists())) return 'gone';
    await this.call(step, async () => {
      switch (resource.kind) {
        case 'azure-vm': return (await this.compute.virtualMachines.beginDelete(group, name)).pollUntilDone(opts);
        case 'azure-disk': return (await this.compute.disks.beginDelete(group, name)).pollUntilDone(opts);
        case 'azure-nic': return (await this.network.networkInterfaces.beginDelete(group, name)).pollUntilDone(opts);
        case 'azure-public-ip': return (await this.network.publicIPAddresses.beginDelete(group, name)).pollUntilDone(opts);
        case 'azure-nsg': return (await this.network.networkSecurityGroups.beginDelete(group, name)).pollUntilDone(opts);
        case 'azure-subnet': return (await this.network.subnets.beginDelete(group, resource.parent ?? '', name)).pollUntilDone(opts);
        case 'azure-vnet': return (await this.network.virtualNetworks.beginDelete(group, name)).pollUntilDone(opts);
        case 'azure-availability-set': return this.compute.availabilitySets.delete(group, name);
        case 'azure-resource-group': return (await this.resources.resourceGroups.beginDelete(name)).pollUntilDone(opts);
      }
    });
    return 'deleted';
  }

  /** A SAS URI for the VM's serial log, reused while it is valid. */
  private async serialLogUri(resourceGroup: string, name: string): Promise<string | undefined> {
    if (this.sas && this.sas.until > Date.now()) return this.sas.uri;
    const data = await this.lookup(`read the boot diagnostics of VM ${name}`, () => this.compute.virtualMachines.retrieveBootDiagnosticsData(resourceGroup, name, { sasUriExpirationTimeInMinutes: SAS_MINUTES }));
    const uri = data?.serialConsoleLogBlobUri;
    if (uri) this.sas = { uri, until: Date.now() + (SAS_MINUTES - 2) * 60_000 };
    return uri;
  }

  /**
   * A PUT with a long-running operation. `accepted` runs with the resource's id as soon as Azure
   * accepted the request, before the operation completes (and also when the first poll after an
   * accepted request fails), so the journal never misses a resource that exists.
   */
  private async put<T>(step: string, begin: (options: { onResponse: (raw: { status: number }) => void }) => Promise<PollerLike<T>>, id: string, accepted: OnAccepted, wait: Wait): Promise<T> {
    let wasAccepted = false;
    let poller: PollerLike<T>;
    try {
      poller = await begin({ onResponse: (raw) => (wasAccepted ||= raw.status < 300) });
    } catch (err) {
      if (wasAccepted) await accepted(id);
      throw azureFailure(step, err);
    }
    await accepted(id);
    return this.call(step, () => poller.pollUntilDone(wait.signal ? { abortSignal: wait.signal } : {}));
  }

  private async call<T>(step: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw azureFailure(step, err);
    }
  }

  /** A read whose 404 means "does not exist": undefined, not an error. */
  private async lookup<T>(step: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw azureFailure(step, err);
    }
  }

  private id(resourceGroup: string, type: string, name: string): string {
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${resourceGroup}/providers/${type}/${name}`;
  }
}

/** `West US 2` (how providers list locations) -> `westus2` (how everything else names them). */
function locationId(displayName: string): string {
  return displayName.toLowerCase().replace(/\s+/g, '');
}

function vmSkuOf(sku: ResourceSku, location: string): VmSku {
  const capability = (name: string) => sku.capabilities?.find((c) => c.name === name)?.value;
  const info = sku.locationInfo?.find((l) => l.location?.toLowerCase() === location.toLowerCase());
  const restrictions = sku.restrictions ?? [];
  const locationRestriction = restrictions.find((r) => r.type === 'Location');
  return {
    name: sku.name ?? '',
    zones: info?.zones ?? [],
    ...(locationRestriction ? { locationRestriction: locationRestriction.reasonCode ?? 'restricted' } : {}),
    restrictedZones: restrictions.filter((r) => r.type === 'Zone').flatMap((r) => r.restrictionInfo?.zones ?? []),
    ...(capability('CpuArchitectureType') ? { architecture: capability('CpuArchitectureType') } : {}),
    hyperVGenerations: (capability('HyperVGenerations') ?? '').split(',').map((g) => g.trim()).filter((g) => g !== ''),
    acceleratedNetworking: capability('AcceleratedNetworkingEnabled') === 'True',
  };
}

function subnetInfo(subnet: Subnet): SubnetInfo {
  return { id: subnet.id ?? '', addressPrefix: subnet.addressPrefix ?? subnet.addressPrefixes?.[0] ?? '', ipConfigurations: subnet.ipConfigurations?.length ?? 0 };
}

function vnetInfo(vnet: VirtualNetwork): VnetInfo {
  return {
    id: vnet.id ?? '',
    location: vnet.location ?? '',
    tags: vnet.tags ?? {},
    subnets: (vnet.subnets ?? []).map((s) => ({ name: s.name ?? '', ...subnetInfo(s) })),
  };
}

function armRule(rule: SecurityRule): ArmSecurityRule {
  const any = rule.sources.includes('*');
  return {
    name: rule.name,
    protocol: rule.protocol,
    access: 'Allow',
    direction: 'Inbound',
    priority: rule.priority,
    description: rule.description,
    sourcePortRange: '*',
    destinationAddressPrefix: '*',
    destinationPortRange: String(rule.port),
    ...(any || rule.sources.length === 1 ? { sourceAddressPrefix: any ? '*' : rule.sources[0] } : { sourceAddressPrefixes: rule.sources }),
  };
}

function ruleOf(rule: ArmSecurityRule): SecurityRule | undefined {
  if (rule.direction !== 'Inbound' || rule.access !== 'Allow') return undefined;
  const port = Number(rule.destinationPortRange);
  const protocol = rule.protocol === 'Tcp' || rule.protocol === 'Udp' ? rule.protocol : undefined;
  if (!protocol || !Number.isInteger(port)) return undefined;
  const sources = rule.sourceAddressPrefixes?.length ? rule.sourceAddressPrefixes : [rule.sourceAddressPrefix ?? ''];
  return {
    name: rule.name ?? '',
    protocol,
    port,
    sources: sources.map((s) => (s === '*' || s === 'Internet' || s === '0.0.0.0/0' ? '*' : s)),
    priority: rule.priority ?? 0,
    description: rule.description ?? '',
  };
}

function nsgInfo(nsg: NetworkSecurityGroup): NsgInfo {
  return {
    id: nsg.id ?? '',
    tags: nsg.tags ?? {},
    rules: (nsg.securityRules ?? []).map(ruleOf).filter((r): r is SecurityRule => r !== undefined),
    users: [...(nsg.networkInterfaces ?? []), ...(nsg.subnets ?? [])].map((u) => u.id ?? ''),
  };
}

function publicIpInfo(ip: PublicIPAddress): PublicIpInfo {
  return { id: ip.id ?? '', ...(ip.ipAddress ? { ipAddress: ip.ipAddress } : {}), ...(ip.dnsSettings?.fqdn ? { fqdn: ip.dnsSettings.fqdn } : {}) };
}

function nicInfo(nic: { id?: string; ipConfigurations?: Array<{ privateIPAddress?: string; publicIPAddress?: { id?: string }; primary?: boolean }>; virtualMachine?: { id?: string } }): NicInfo {
  const config = nic.ipConfigurations?.find((c) => c.primary) ?? nic.ipConfigurations?.[0];
  return {
    id: nic.id ?? '',
    ...(config?.privateIPAddress ? { privateIp: config.privateIPAddress } : {}),
    ...(config?.publicIPAddress?.id ? { publicIpId: config.publicIPAddress.id } : {}),
    ...(nic.virtualMachine?.id ? { vmId: nic.virtualMachine.id } : {}),
  };
}

function vmInfo(vm: VirtualMachine): VmInfo {
  return {
    id: vm.id ?? '',
    ...(vm.provisioningState ? { provisioningState: vm.provisioningState } : {}),
    nicIds: (vm.networkProfile?.networkInterfaces ?? []).map((n) => n.id ?? ''),
    ...(vm.storageProfile?.osDisk?.name ? { osDiskName: vm.storageProfile.osDisk.name } : {}),
  };
}

/** The VM PUT body in the SDK's (flattened) model. */
function armVm(spec: VmSpec): VirtualMachine {
  return {
    location: spec.location,
    tags: spec.tags,
    ...(spec.zone ? { zones: [spec.zone] } : {}),
    ...(spec.plan ? { plan: { publisher: spec.plan.publisher, product: spec.plan.product, name: spec.plan.name } } : {}),
    hardwareProfile: { vmSize: spec.size },
    storageProfile: {
      imageReference: { publisher: spec.image.publisher, offer: spec.image.offer, sku: spec.image.sku, version: spec.image.version },
      osDisk: {
        name: spec.osDisk.name,
        createOption: 'FromImage',
        caching: 'ReadWrite',
        diskSizeGB: spec.osDisk.sizeGb,
        managedDisk: { storageAccountType: spec.osDisk.storageType as StorageAccountTypes },
      },
    },
    osProfile: {
      computerName: spec.computerName,
      adminUsername: spec.adminUsername,
      ...(spec.customData !== undefined ? { customData: Buffer.from(spec.customData).toString('base64') } : {}),
      linuxConfiguration: {
        disablePasswordAuthentication: true,
        provisionVMAgent: true,
        ssh: { publicKeys: [{ path: `/home/${spec.adminUsername}/.ssh/authorized_keys`, keyData: spec.sshPublicKey }] },
      },
    },
    networkProfile: { networkInterfaces: [{ id: spec.nicId, primary: true }] },
    // Managed boot diagnostics (no storage account of ours): the serial log that carries the host keys.
    diagnosticsProfile: { bootDiagnostics: { enabled: true } },
    ...(spec.availabilitySetId ? { availabilitySet: { id: spec.availabilitySetId } } : {}),
  };
}
