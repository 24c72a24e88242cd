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
} from '../../../drivers/azure/azure-port';
import type { ImageUrn } from '../../../drivers/azure/image-urn';
import { OperationError } from '../../../src/core/errors';

const SUB = '00000000-0000-0000-0000-000000000001';

interface FakeVm {
  spec: VmSpec;
  provisioning: string;
  power?: string;
}

/**
 * An in-memory Azure behind the driver's port, for unit tests of the driver's decisions (what it
 * makes, in which order, with which arguments, what it removes). The SDK and the wire protocol are
 * tested against the local control plane instead (test/e2e/harness/azure-endpoint).
 */
export class FakeAzurePort implements AzurePort {
  readonly calls: string[] = [];
  providers: Record<string, string> = { 'Microsoft.Compute': 'Registered', 'Microsoft.Network': 'Registered' };
  vmLocations = ['westus2', 'eastus'];
  skus: VmSku[] = [
    { name: 'Standard_B2s', zones: ['1', '2', '3'], restrictedZones: [], architecture: 'x64', hyperVGenerations: ['V1', 'V2'], acceleratedNetworking: false },
    { name: 'Standard_D2s_v5', zones: ['1', '2'], restrictedZones: ['2'], architecture: 'x64', hyperVGenerations: ['V1', 'V2'], acceleratedNetworking: true },
    { name: 'Standard_D2ps_v5', zones: [], restrictedZones: [], architecture: 'Arm64', hyperVGenerations: ['V2'], acceleratedNetworking: true },
    { name: 'Standard_NC6', zones: [], restrictedZones: [], locationRestriction: 'NotAvailableForSubscription', architecture: 'x64', hyperVGenerations: ['V1'], acceleratedNetworking: false },
  ];
  offers: Record<string, string[]> = { Canonical: ['0001-com-ubuntu-server-jammy', 'ubuntu-22_04-lts', 'ubuntu-24_04-lts', 'ubuntu-25_04', 'ubuntu-23_04-lts'] };
  /** `publisher:offer:sku` -> versions, each with the image's details. */
  images: Record<string, Record<string, Omit<ImageVersionInfo, 'urn'>>> = {
    'Canonical:ubuntu-24_04-lts:server': { '24.04.202409010': { architecture: 'x64', hyperVGeneration: 'V2' }, '24.04.202501150': { architecture: 'x64', hyperVGeneration: 'V2' }, '24.04.202412040': { architecture: 'x64', hyperVGeneration: 'V2' } },
    'Canonical:ubuntu-24_04-lts:server-arm64': { '24.04.202501150': { architecture: 'Arm64', hyperVGeneration: 'V2' } },
    'Canonical:ubuntu-24_04-lts:server-gen1': { '24.04.202501150': { architecture: 'x64', hyperVGeneration: 'V1' } },
    'bitnami:nginx:1-25': { '1.25.1': { architecture: 'x64', hyperVGeneration: 'V2', plan: { publisher: 'bitnami', product: 'nginx', name: '1-25' } } },
  };
  groups = new Map<string, { location: string; tags: ResourceTags }>();
  availabilitySets = new Map<string, { tags: ResourceTags }>();
  vnets = new Map<string, { location: string; tags: ResourceTags; subnets: Map<string, string> }>();
  nsgs = new Map<string, { tags: ResourceTags; rules: SecurityRule[] }>();
  publicIps = new Map<string, PublicIpSpec & { ipAddress?: string }>();
  nics = new Map<string, NicSpec>();
  vms = new Map<string, FakeVm>();
  disks = new Set<string>();
  serialLogText = '';
  /** Operation name -> error thrown at the next call of it. */
  failures = new Map<string, Error>();
  /** Operations whose long-running part fails after Azure accepted them (resource made, then failed). */
  lroFailures = new Map<string, Error>();
  /** Called at the start of the VM's long-running wait, e.g. to abort it. */
  duringVmWait?: () => void;
  private sequence = 0;

  private step(name: string): void {
    this.calls.push(name);
    const failure = this.failures.get(name);
    if (failure) {
      this.failures.delete(name);
      throw failure;
    }
  }

  private async longRunning(name: string, accepted: OnAccepted, id: string, wait: Wait): Promise<void> {
    await accepted(id);
    const failure = this.lroFailures.get(name);
    if (failure) {
      this.lroFailures.delete(name);
      throw failure;
    }
    if (wait.signal?.aborted) throw new OperationError('AZURE_ABORTED', 'aborted');
  }

  private id(group: string, type: string, name: string): string {
    return `/subscriptions/${SUB}/resourceGroups/${group}/providers/${type}/${name}`;
  }

  private usersOf(nsgId: string): string[] {
    return [...this.nics.entries()].filter(([, n]) => n.nsgId === nsgId).map(([key]) => this.id(key.split('/')[0] ?? '', 'Microsoft.Network/networkInterfaces', key.split('/')[1] ?? ''));
  }

  private ipConfigurationsIn(subnetId: string): number {
    return [...this.nics.values()].filter((n) => n.subnetId === subnetId).length;
  }

  async provider(namespace: string): Promise<ProviderInfo | undefined> {
    this.step('providers.get');
    const state = this.providers[namespace];
    return state ? { registrationState: state, locationsOf: (type) => (type === 'virtualMachines' ? this.vmLocations : undefined) } : undefined;
  }
  async vmSkus() {
    this.step('resourceSkus.list');
    return this.skus;
  }
  async imageOffers(_location: string, publisher: string) {
    this.step('images.listOffers');
    return this.offers[publisher] ?? [];
  }
  async imageVersions(_location: string, urn: Omit<ImageUrn, 'version'>) {
    this.step('images.list');
    return Object.keys(this.images[`${urn.publisher}:${urn.offer}:${urn.sku}`] ?? {});
  }
  async imageVersion(_location: string, urn: ImageUrn) {
    this.step('images.get');
    const details = this.images[`${urn.publisher}:${urn.offer}:${urn.sku}`]?.[urn.version];
    return details ? { urn, ...details } : undefined;
  }

  async getResourceGroup(name: string) {
    this.step('resourceGroups.get');
    return this.groups.get(name);
  }
  async createResourceGroup(name: string, location: string, tags: ResourceTags) {
    this.step('resourceGroups.createOrUpdate');
    this.groups.set(name, { location, tags });
    return `/subscriptions/${SUB}/resourceGroups/${name}`;
  }
  async resourcesIn(group: string) {
    this.step('resources.listByResourceGroup');
    const inGroup = (key: string) => key.startsWith(`${group}/`);
    return [
      ...[...this.availabilitySets.keys()].filter(inGroup),
      ...[...this.vnets.keys()].filter(inGroup),
      ...[...this.nsgs.keys()].filter(inGroup),
      ...[...this.publicIps.keys()].filter(inGroup),
      ...[...this.nics.keys()].filter(inGroup),
      ...[...this.vms.keys()].filter(inGroup),
      ...[...this.disks].filter(inGroup),
    ];
  }

  async getAvailabilitySet(group: string, name: string) {
    this.step('availabilitySets.get');
    const set = this.availabilitySets.get(`${group}/${name}`);
    const id = this.id(group, 'Microsoft.Compute/availabilitySets', name);
    return set ? { id, tags: set.tags, vmIds: [...this.vms.entries()].filter(([, v]) => v.spec.availabilitySetId === id).map(([k]) => k) } : undefined;
  }
  async createAvailabilitySet(group: string, name: string, _location: string, tags: ResourceTags) {
    this.step('availabilitySets.createOrUpdate');
    this.availabilitySets.set(`${group}/${name}`, { tags });
    return this.id(group, 'Microsoft.Compute/availabilitySets', name);
  }

  async getVnet(group: string, name: string): Promise<VnetInfo | undefined> {
    this.step('virtualNetworks.get');
    const vnet = this.vnets.get(`${group}/${name}`);
    if (!vnet) return undefined;
    const id = this.id(group, 'Microsoft.Network/virtualNetworks', name);
    return { id, location: vnet.location, tags: vnet.tags, subnets: [...vnet.subnets].map(([s, prefix]) => ({ name: s, id: `${id}/subnets/${s}`, addressPrefix: prefix, ipConfigurations: this.ipConfigurationsIn(`${id}/subnets/${s}`) })) };
  }
  async createVnet(group: string, name: string, spec: { location: string; tags: ResourceTags; addressPrefix: string; subnet: string }, accepted: OnAccepted, wait: Wait) {
    this.step('virtualNetworks.beginCreateOrUpdate');
    this.vnets.set(`${group}/${name}`, { location: spec.location, tags: spec.tags, subnets: new Map([[spec.subnet, spec.addressPrefix]]) });
    await this.longRunning('virtualNetworks.beginCreateOrUpdate', accepted, this.id(group, 'Microsoft.Network/virtualNetworks', name), wait);
    return (await this.getVnet(group, name)) as VnetInfo;
  }
  async createSubnet(group: string, vnet: string, name: string, prefix: string, accepted: OnAccepted, wait: Wait): Promise<SubnetInfo> {
    this.step('subnets.beginCreateOrUpdate');
    this.vnets.get(`${group}/${vnet}`)?.subnets.set(name, prefix);
    const id = `${this.id(group, 'Microsoft.Network/virtualNetworks', vnet)}/subnets/${name}`;
    await this.longRunning('subnets.beginCreateOrUpdate', accepted, id, wait);
    return { id, addressPrefix: prefix, ipConfigurations: 0 };
  }
  async getSubnet(group: string, vnet: string, name: string) {
    this.step('subnets.get');
    const found = (await this.getVnetQuietly(group, vnet))?.subnets.find((s) => s.name === name);
    return found ? { id: found.id, addressPrefix: found.addressPrefix, ipConfigurations: found.ipConfigurations } : undefined;
  }
  private async getVnetQuietly(group: string, name: string) {
    const vnet = await this.getVnet(group, name);
    this.calls.pop();
    return vnet;
  }

  async getNsg(group: string, name: string): Promise<NsgInfo | undefined> {
    this.step('networkSecurityGroups.get');
    const nsg = this.nsgs.get(`${group}/${name}`);
    const id = this.id(group, 'Microsoft.Network/networkSecurityGroups', name);
    return nsg ? { id, tags: nsg.tags, rules: nsg.rules, users: this.usersOf(id) } : undefined;
  }
  async putNsg(group: string, name: string, spec: { location: string; tags: ResourceTags; rules: SecurityRule[] }, accepted: OnAccepted, wait: Wait) {
    this.step('networkSecurityGroups.beginCreateOrUpdate');
    this.nsgs.set(`${group}/${name}`, { tags: spec.tags, rules: spec.rules });
    const id = this.id(group, 'Microsoft.Network/networkSecurityGroups', name);
    await this.longRunning('networkSecurityGroups.beginCreateOrUpdate', accepted, id, wait);
    return { id, tags: spec.tags, rules: spec.rules, users: this.usersOf(id) };
  }

  async getPublicIp(group: string, name: string): Promise<PublicIpInfo | undefined> {
    this.step('publicIPAddresses.get');
    const ip = this.publicIps.get(`${group}/${name}`);
    return ip ? { id: this.id(group, 'Microsoft.Network/publicIPAddresses', name), ...(ip.ipAddress ? { ipAddress: ip.ipAddress } : {}), ...(ip.dnsLabel ? { fqdn: `${ip.dnsLabel}.${ip.location}.cloudapp.azure.com` } : {}) } : undefined;
  }
  async publicIpById(id: string) {
    const [, group = '', name = ''] = /resourceGroups\/([^/]+)\/.*\/([^/]+)$/.exec(id) ?? [];
    return this.getPublicIp(group, name);
  }
  async createPublicIp(group: string, name: string, spec: PublicIpSpec, accepted: OnAccepted, wait: Wait) {
    this.step('publicIPAddresses.beginCreateOrUpdate');
    this.publicIps.set(`${group}/${name}`, { ...spec, ...(spec.allocation === 'Static' ? { ipAddress: `203.0.113.${++this.sequence}` } : {}) });
    await this.longRunning('publicIPAddresses.beginCreateOrUpdate', accepted, this.id(group, 'Microsoft.Network/publicIPAddresses', name), wait);
    return (await this.getPublicIp(group, name)) as PublicIpInfo;
  }

  async getNic(group: string, name: string): Promise<NicInfo | undefined> {
    this.step('networkInterfaces.get');
    const nic = this.nics.get(`${group}/${name}`);
    return nic ? { id: this.id(group, 'Microsoft.Network/networkInterfaces', name), privateIp: nic.privateIpAddress ?? '10.0.0.4', ...(nic.publicIpId ? { publicIpId: nic.publicIpId } : {}) } : undefined;
  }
  async createNic(group: string, name: string, spec: NicSpec, accepted: OnAccepted, wait: Wait) {
    this.step('networkInterfaces.beginCreateOrUpdate');
    this.nics.set(`${group}/${name}`, spec);
    await this.longRunning('networkInterfaces.beginCreateOrUpdate', accepted, this.id(group, 'Microsoft.Network/networkInterfaces', name), wait);
    return (await this.getNic(group, name)) as NicInfo;
  }

  async getVm(group: string, name: string): Promise<VmInfo | undefined> {
    this.step('virtualMachines.get');
    const vm = this.vms.get(`${group}/${name}`);
    return vm ? { id: this.id(group, 'Microsoft.Compute/virtualMachines', name), provisioningState: vm.provisioning, nicIds: [vm.spec.nicId], osDiskName: vm.spec.osDisk.name } : undefined;
  }
  async createVm(group: string, name: string, spec: VmSpec, accepted: OnAccepted, wait: Wait) {
    this.step('virtualMachines.beginCreateOrUpdate');
    this.vms.set(`${group}/${name}`, { spec, provisioning: 'Creating' });
    this.disks.add(`${group}/${spec.osDisk.name}`);
    this.duringVmWait?.();
    await this.longRunning('virtualMachines.beginCreateOrUpdate', accepted, this.id(group, 'Microsoft.Compute/virtualMachines', name), wait);
    const vm = this.vms.get(`${group}/${name}`);
    if (vm) Object.assign(vm, { provisioning: 'Succeeded', power: 'running' });
    // A dynamic address is assigned once the VM runs.
    for (const [key, ip] of this.publicIps) if (!ip.ipAddress && key.startsWith(`${group}/`)) ip.ipAddress = `198.51.100.${++this.sequence}`;
    return (await this.getVm(group, name)) as VmInfo;
  }
  async vmStatus(group: string, name: string): Promise<VmStatus | undefined> {
    this.step('virtualMachines.instanceView');
    const vm = this.vms.get(`${group}/${name}`);
    return vm ? { provisioning: vm.provisioning, ...(vm.power ? { power: vm.power } : {}) } : undefined;
  }
  async startVm(group: string, name: string) {
    this.step('virtualMachines.beginStart');
    this.setPower(group, name, 'starting');
  }
  async deallocateVm(group: string, name: string) {
    this.step('virtualMachines.beginDeallocate');
    this.setPower(group, name, 'deallocating');
  }
  async powerOffVm(group: string, name: string, skipShutdown: boolean) {
    this.step(skipShutdown ? 'virtualMachines.beginPowerOff(skipShutdown)' : 'virtualMachines.beginPowerOff');
    this.setPower(group, name, 'stopping');
  }
  async restartVm(group: string, name: string) {
    this.step('virtualMachines.beginRestart');
    this.setPower(group, name, 'starting');
  }
  async serialLog() {
    this.step('virtualMachines.retrieveBootDiagnosticsData');
    return this.serialLogText === '' ? undefined : this.serialLogText;
  }
  async getDisk(group: string, name: string) {
    this.step('disks.get');
    return this.disks.has(`${group}/${name}`) ? { id: this.id(group, 'Microsoft.Compute/disks', name) } : undefined;
  }

  async deleteResource(resource: ResourceName): Promise<DeleteOutcome> {
    this.step(`delete ${resource.kind} ${resource.name}`);
    const key = `${resource.resourceGroup}/${resource.name}`;
    const stores: Record<string, { delete(key: string): boolean }> = {
      'azure-vm': this.vms,
      'azure-disk': this.disks,
      'azure-nic': this.nics,
      'azure-public-ip': this.publicIps,
      'azure-nsg': this.nsgs,
      'azure-vnet': this.vnets,
      'azure-availability-set': this.availabilitySets,
    };
    if (resource.kind === 'azure-disk' && [...this.vms.values()].some((v) => `${resource.resourceGroup}/${v.spec.osDisk.name}` === key)) {
      throw new OperationError('AZURE_OPERATIONNOTALLOWED', `disk ${resource.name} is attached to a VM`);
    }
    if (resource.kind === 'azure-nic' && [...this.vms.values()].some((v) => v.spec.nicId.endsWith(`/${resource.name}`))) {
      throw new OperationError('AZURE_NICINUSE', `network interface ${resource.name} is attached to a VM`);
    }
    if (resource.kind === 'azure-subnet') return this.vnets.get(`${resource.resourceGroup}/${resource.parent}`)?.subnets.delete(resource.name) ? 'deleted' : 'gone';
    if (resource.kind === 'azure-resource-group') {
      if ((await this.resourcesIn(resource.resourceGroup)).length > 0) throw new Error('group not empty (the fake deletes only empty groups)');
      this.calls.pop();
      return this.groups.delete(resource.name) ? 'deleted' : 'gone';
    }
    return stores[resource.kind]?.delete(key) ? 'deleted' : 'gone';
  }

  setPower(group: string, name: string, power: string): void {
    const vm = this.vms.get(`${group}/${name}`);
    if (!vm) throw new OperationError('AZURE_RESOURCENOTFOUND', `no VM ${name}`);
    vm.power = power;
  }
}
