/**
 * Everything the azure driver asks of Azure Resource Manager, in the driver's own terms. sdk-port.ts
 * implements it with @azure/arm-compute, -network and -resources; unit tests give the driver a fake of
 * this interface. Lookups answer undefined for "does not exist" and throw only for real failures.
 */
import type { ImagePlan, ImageUrn } from './image-urn';

export type ResourceTags = Record<string, string>;

/** The kinds of resource the driver makes, as journal entries name them. */
export type AzureResourceKind =
  | 'azure-resource-group'
  | 'azure-availability-set'
  | 'azure-vnet'
  | 'azure-subnet'
  | 'azure-nsg'
  | 'azure-public-ip'
  | 'azure-nic'
  | 'azure-vm'
  | 'azure-disk';

/** One resource by its place: the group it lives in and its name (the subnet's parent is its vnet). */
export interface ResourceName {
  kind: AzureResourceKind;
  resourceGroup: string;
  name: string;
  /** The virtual network of a subnet. */
  parent?: string;
}

/**
 * Called the moment Azure accepted a PUT (before its long-running operation completes) with the new
 * resource's id; the driver journals it there, so a create cut short still knows what exists.
 */
export type OnAccepted = (id: string) => Promise<void>;

export interface Wait {
  signal?: AbortSignal;
}

export interface VmSku {
  name: string;
  /** Zones the size is offered in at the location. */
  zones: string[];
  /** Why the subscription cannot have it there (Azure's reason code), when it cannot. */
  locationRestriction?: string;
  /** Zones the subscription cannot use for it. */
  restrictedZones: string[];
  /** `x64` or `Arm64`. */
  architecture?: string;
  /** `V1`, `V2`: VM generations the size runs. */
  hyperVGenerations: string[];
  acceleratedNetworking: boolean;
}

export interface ImageVersionInfo {
  urn: ImageUrn;
  plan?: ImagePlan;
  architecture?: string;
  hyperVGeneration?: string;
}

export interface ProviderInfo {
  registrationState: string;
  /** Locations (as Azure's ids: `westus2`) where the resource type is offered. */
  locationsOf(resourceType: string): string[] | undefined;
}

export interface ResourceGroupInfo {
  location: string;
  tags: ResourceTags;
}

export interface SubnetInfo {
  id: string;
  addressPrefix: string;
  /** Network interface IP configurations in the subnet: a subnet with any is in use. */
  ipConfigurations: number;
}

export interface VnetInfo {
  id: string;
  location: string;
  tags: ResourceTags;
  subnets: Array<SubnetInfo & { name: string }>;
}

export interface SecurityRule {
  name: string;
  protocol: 'Tcp' | 'Udp';
  port: number;
  /** CIDRs, or `*` for any source. */
  sources: string[];
  priority: number;
  description: string;
}

export interface NsgInfo {
  id: string;
  tags: ResourceTags;
  rules: SecurityRule[];
  /** Network interfaces and subnets that use it. */
  users: string[];
}

export interface PublicIpSpec {
  location: string;
  tags: ResourceTags;
  sku: 'Basic' | 'Standard';
  allocation: 'Static' | 'Dynamic';
  dnsLabel?: string;
  zones?: string[];
}

export interface PublicIpInfo {
  id: string;
  ipAddress?: string;
  fqdn?: string;
}

export interface NicSpec {
  location: string;
  tags: ResourceTags;
  subnetId: string;
  nsgId: string;
  publicIpId?: string;
  privateIpAddress?: string;
  acceleratedNetworking: boolean;
}

export interface NicInfo {
  id: string;
  privateIp?: string;
  publicIpId?: string;
  /** The VM it is attached to. */
  vmId?: string;
}

/** The VM PUT, already decided by vm-spec.ts. */
export interface VmSpec {
  location: string;
  tags: ResourceTags;
  size: string;
  image: ImageUrn;
  plan?: ImagePlan;
  osDisk: { name: string; sizeGb: number; storageType: string };
  computerName: string;
  adminUsername: string;
  /** OpenSSH public key line, installed for the admin user; password login is disabled. */
  sshPublicKey: string;
  /** Passed to cloud-init; base64-encoded on the way. */
  customData?: string;
  nicId: string;
  zone?: string;
  availabilitySetId?: string;
}

export interface VmInfo {
  id: string;
  provisioningState?: string;
  nicIds: string[];
  osDiskName?: string;
}

/** From the instance view: `ProvisioningState/...` and `PowerState/...` codes, their last parts. */
export interface VmStatus {
  provisioning?: string;
  power?: string;
}

export type DeleteOutcome = 'deleted' | 'gone';

export interface AzurePort {
  /** The resource provider's registration in the subscription; undefined when Azure does not know it. */
  provider(namespace: string): Promise<ProviderInfo | undefined>;
  /** VM sizes offered at the location, as the subscription sees them (restrictions included). */
  vmSkus(location: string): Promise<VmSku[]>;
  /** Offer names of a publisher's images at the location. */
  imageOffers(location: string, publisher: string): Promise<string[]>;
  /** Versions of an image (any order); empty when the publisher, offer or sku does not exist. */
  imageVersions(location: string, urn: Omit<ImageUrn, 'version'>): Promise<string[]>;
  /** One concrete image version; undefined when it does not exist. */
  imageVersion(location: string, urn: ImageUrn): Promise<ImageVersionInfo | undefined>;

  getResourceGroup(name: string): Promise<ResourceGroupInfo | undefined>;
  /** Resource groups are created synchronously: the id once it exists. */
  createResourceGroup(name: string, location: string, tags: ResourceTags): Promise<string>;
  /** Ids of the resources in a group (empty when the group does not exist). */
  resourcesIn(resourceGroup: string): Promise<string[]>;

  getAvailabilitySet(resourceGroup: string, name: string): Promise<{ id: string; tags: ResourceTags; vmIds: string[] } | undefined>;
  createAvailabilitySet(resourceGroup: string, name: string, location: string, tags: ResourceTags): Promise<string>;

  getVnet(resourceGroup: string, name: string): Promise<VnetInfo | undefined>;
  createVnet(resourceGroup: string, name: string, spec: { location: string; tags: ResourceTags; addressPrefix: string; subnet: string }, accepted: OnAccepted, wait: Wait): Promise<VnetInfo>;
  createSubnet(resourceGroup: string, vnet: string, name: string, addressPrefix: string, accepted: OnAccepted, wait: Wait): Promise<SubnetInfo>;
  getSubnet(resourceGroup: string, vnet: string, name: string): Promise<SubnetInfo | undefined>;

  getNsg(resourceGroup: string, name: string): Promise<NsgInfo | undefined>;
  /** Creates the group, or replaces the rules of one we made. */
  putNsg(resourceGroup: string, name: string, spec: { location: string; tags: ResourceTags; rules: SecurityRule[] }, accepted: OnAccepted, wait: Wait): Promise<NsgInfo>;

  getPublicIp(resourceGroup: string, name: string): Promise<PublicIpInfo | undefined>;
  /** The address a public IP id points at (its group and name are in the id). */
  publicIpById(id: string): Promise<PublicIpInfo | undefined>;
  createPublicIp(resourceGroup: string, name: string, spec: PublicIpSpec, accepted: OnAccepted, wait: Wait): Promise<PublicIpInfo>;

  getNic(resourceGroup: string, name: string): Promise<NicInfo | undefined>;
  createNic(resourceGroup: string, name: string, spec: NicSpec, accepted: OnAccepted, wait: Wait): Promise<NicInfo>;

  getVm(resourceGroup: string, name: string): Promise<VmInfo | undefined>;
  /** Journals through `accepted` once the PUT is accepted, then polls until the VM is provisioned. */
  createVm(resourceGroup: string, name: string, spec: VmSpec, accepted: OnAccepted, wait: Wait): Promise<VmInfo>;
  /** undefined when the VM does not exist. */
  vmStatus(resourceGroup: string, name: string): Promise<VmStatus | undefined>;
  /** These return once Azure accepted the request; the core polls the state. */
  startVm(resourceGroup: string, name: string): Promise<void>;
  deallocateVm(resourceGroup: string, name: string): Promise<void>;
  powerOffVm(resourceGroup: string, name: string, skipShutdown: boolean): Promise<void>;
  restartVm(resourceGroup: string, name: string): Promise<void>;
  /** The serial console log from boot diagnostics; undefined when there is none (yet). */
  serialLog(resourceGroup: string, name: string): Promise<string | undefined>;

  getDisk(resourceGroup: string, name: string): Promise<{ id: string } | undefined>;

  /** Deletes and waits until it is gone; a resource that did not exist is 'gone'. */
  deleteResource(resource: ResourceName, wait: Wait): Promise<DeleteOutcome>;
}
