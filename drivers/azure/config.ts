import * as path from 'node:path';
import { UsageError } from '../../src/core/errors';
import type { ConfigShape } from '../../src/core/stored-config';
import { boolFlag, intFlag, listFlag, stringFlag, type FlagValues } from '../../src/util/flag-values';
import { AZURE_ENVIRONMENTS, type AzureEnvironmentName } from './clouds';
import { parseImageUrn, parsePlan } from './image-urn';

/** The port dockerd listens on with TLS; a network security group we create opens it. */
export const AZURE_ENGINE_PORT = 2376;
export const AZURE_SSH_PORT = 22;

export const STORAGE_TYPES = ['StandardSSD_LRS', 'Standard_LRS', 'Premium_LRS', 'StandardSSD_ZRS', 'Premium_ZRS'] as const;
export type StorageType = (typeof STORAGE_TYPES)[number];

/** deallocate releases the compute (billing stops, a dynamic public IP goes back); poweroff keeps it. */
export const STOP_MODES = ['deallocate', 'poweroff'] as const;
export type StopMode = (typeof STOP_MODES)[number];

export const DEFAULT_RESOURCE_GROUP = 'machine';
export const DEFAULT_VNET = 'machine-vnet';
export const DEFAULT_SUBNET = 'machine-subnet';
export const DEFAULT_SUBNET_PREFIX = '192.168.0.0/16';

/**
 * What the azure driver persists. No credential is part of it: DefaultAzureCredential (environment
 * service principal or workload identity, managed identity, `az login`) supplies one at every command.
 */
export interface AzureConfig {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  size: string;
  /** `publisher:offer:sku:version`; absent: the current Ubuntu LTS server image, resolved at create. */
  image?: string;
  vnet: string;
  subnet: string;
  subnetPrefix: string;
  /** Absent: `NAME-nsg`, one per machine. */
  nsg?: string;
  allowedCidrs: string[];
  openPorts: Array<{ port: number; protocol: 'tcp' | 'udp' }>;
  /** What the user asked for (docker-machine's flag); every public IP is Standard and static regardless. */
  staticPublicIp: boolean;
  noPublicIp: boolean;
  usePrivateIp: boolean;
  privateIpAddress?: string;
  dnsLabel?: string;
  zone?: string;
  availabilitySet?: string;
  sshUser: string;
  diskSizeGb: number;
  storageType: StorageType;
  acceleratedNetworking: boolean;
  tags: Record<string, string>;
  /** Absolute path; the file is read at create time and never copied into the store. */
  customDataPath?: string;
  /** `publisher:product:name` of a marketplace image's plan. */
  plan?: string;
  environment: AzureEnvironmentName;
  /** A Resource Manager endpoint of its own (Azure Stack, a private cloud, a local control plane). */
  endpoint?: string;
  stopMode: StopMode;
  enginePort: number;
}

/** The kind of each stored field, checked when a record is read back (see readStoredConfig). */
export const AZURE_CONFIG_SHAPE: ConfigShape<AzureConfig> = {
  subscriptionId: 'string',
  resourceGroup: 'string',
  location: 'string',
  size: 'string',
  image: 'string?',
  vnet: 'string',
  subnet: 'string',
  subnetPrefix: 'string',
  nsg: 'string?',
  allowedCidrs: 'string[]',
  openPorts: 'object[]',
  staticPublicIp: 'boolean',
  noPublicIp: 'boolean',
  usePrivateIp: 'boolean',
  privateIpAddress: 'string?',
  dnsLabel: 'string?',
  zone: 'string?',
  availabilitySet: 'string?',
  sshUser: 'string',
  diskSizeGb: 'number',
  storageType: 'string',
  acceleratedNetworking: 'boolean',
  tags: 'object',
  customDataPath: 'string?',
  plan: 'string?',
  environment: 'string',
  endpoint: 'string?',
  stopMode: 'string',
  enginePort: 'number',
};

/** docker-machine took a service principal's id and secret on the command line and stored them. */
const SECRET_FLAGS = ['azure-client-id', 'azure-client-secret'];

/** Resource group: letters, digits, `_`, `-`, `.`, `(`, `)`, up to 90, not ending in a period. */
const RESOURCE_GROUP = /^[\w.()-]{0,89}[\w()-]$/;
/** Names of network resources and availability sets: up to 80, start alphanumeric, end alphanumeric or `_`. */
const NETWORK_NAME = /^[A-Za-z0-9](?:[\w.-]{0,78}[\w])?$/;

export function azureConfigFromFlags(flags: FlagValues, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): AzureConfig {
  refuseSecretFlags(flags);
  const subscriptionId = stringFlag(flags, 'azure-subscription-id') ?? env.AZURE_SUBSCRIPTION_ID?.trim();
  if (!subscriptionId) {
    throw new UsageError('--azure-subscription-id is required', ['pass --azure-subscription-id or export AZURE_SUBSCRIPTION_ID (`az account show --query id -o tsv` prints it)']);
  }
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(subscriptionId)) {
    throw new UsageError(`--azure-subscription-id must be a subscription id (a GUID), not "${subscriptionId}"`);
  }
  const resourceGroup = matching(flags, 'azure-resource-group', RESOURCE_GROUP, 'a resource group name (letters, digits, _ - . ( ), up to 90, not ending in a period)') ?? DEFAULT_RESOURCE_GROUP;
  const location = (matching(flags, 'azure-location', /^[A-Za-z][A-Za-z0-9 ]*$/, 'a location such as westus2') ?? 'westus2').toLowerCase().replace(/ /g, '');
  const size = matching(flags, 'azure-size', /^[A-Za-z]+_[A-Za-z0-9_-]+$/, 'a VM size such as Standard_B2s') ?? 'Standard_B2s';
  const image = stringFlag(flags, 'azure-image');
  if (image !== undefined) parseImageUrn(image);
  const plan = stringFlag(flags, 'azure-plan');
  if (plan !== undefined) parsePlan(plan);

  const vnet = matching(flags, 'azure-vnet', NETWORK_NAME, 'a virtual network name (up to 80 letters, digits, _ . -)') ?? DEFAULT_VNET;
  const subnet = matching(flags, 'azure-subnet', NETWORK_NAME, 'a subnet name (up to 80 letters, digits, _ . -)') ?? DEFAULT_SUBNET;
  const subnetPrefix = stringFlag(flags, 'azure-subnet-prefix') ?? DEFAULT_SUBNET_PREFIX;
  if (!isCidr(subnetPrefix)) throw new UsageError(`--azure-subnet-prefix must be an IPv4 CIDR such as 192.168.0.0/16, not "${subnetPrefix}"`);
  const nsg = matching(flags, 'azure-nsg', NETWORK_NAME, 'a network security group name (up to 80 letters, digits, _ . -)');
  const availabilitySet = matching(flags, 'azure-availability-set', NETWORK_NAME, 'an availability set name (up to 80 letters, digits, _ . -)');

  const noPublicIp = boolFlag(flags, 'azure-no-public-ip');
  const staticPublicIp = boolFlag(flags, 'azure-static-public-ip');
  if (noPublicIp && staticPublicIp) throw new UsageError('--azure-static-public-ip and --azure-no-public-ip exclude each other');
  const dnsLabel = matching(flags, 'azure-dns', /^[a-z][a-z0-9-]{1,61}[a-z0-9]$/, 'a DNS label (3 to 63 lowercase letters, digits and hyphens, starting with a letter)');
  if (dnsLabel !== undefined && noPublicIp) throw new UsageError('--azure-dns labels the public IP, and --azure-no-public-ip asks for none');
  const privateIpAddress = stringFlag(flags, 'azure-private-ip-address');
  if (privateIpAddress !== undefined && !isIpv4(privateIpAddress)) throw new UsageError(`--azure-private-ip-address must be an IPv4 address, not "${privateIpAddress}"`);
  if (privateIpAddress !== undefined && !cidrContains(subnetPrefix, privateIpAddress)) {
    throw new UsageError(`--azure-private-ip-address ${privateIpAddress} is not inside the subnet prefix ${subnetPrefix}`);
  }

  const zone = matching(flags, 'azure-zone', /^[1-3]$/, 'an availability zone number: 1, 2 or 3');
  if (zone !== undefined && availabilitySet !== undefined) throw new UsageError('--azure-zone and --azure-availability-set exclude each other (Azure places a VM in one or the other)');

  const storageType = stringFlag(flags, 'azure-storage-type') ?? 'StandardSSD_LRS';
  if (!(STORAGE_TYPES as readonly string[]).includes(storageType)) throw new UsageError(`--azure-storage-type must be one of ${STORAGE_TYPES.join(', ')}, not "${storageType}"`);
  const environment = stringFlag(flags, 'azure-environment') ?? 'AzurePublicCloud';
  if (!(environment in AZURE_ENVIRONMENTS)) throw new UsageError(`--azure-environment must be one of ${Object.keys(AZURE_ENVIRONMENTS).join(', ')}, not "${environment}"`);
  const endpoint = stringFlag(flags, 'azure-endpoint');
  if (endpoint !== undefined && !/^https:\/\/[^\s/]+/i.test(endpoint)) {
    throw new UsageError(`--azure-endpoint must be an https URL (Azure sends its bearer tokens over TLS only), not "${endpoint}"`);
  }
  const stopMode = stringFlag(flags, 'azure-stop-mode') ?? 'deallocate';
  if (!(STOP_MODES as readonly string[]).includes(stopMode)) throw new UsageError(`--azure-stop-mode must be deallocate or poweroff, not "${stopMode}"`);
  const customData = stringFlag(flags, 'azure-custom-data');

  return {
    subscriptionId: subscriptionId.toLowerCase(),
    resourceGroup,
    location,
    size,
    ...(image ? { image } : {}),
    vnet,
    subnet,
    subnetPrefix,
    ...(nsg ? { nsg } : {}),
    allowedCidrs: cidrs(listFlag(flags, 'azure-allowed-cidr')),
    openPorts: listFlag(flags, 'azure-open-port').map(openPort),
    staticPublicIp,
    noPublicIp,
    // Without a public address, the private one is the only one there is.
    usePrivateIp: noPublicIp || boolFlag(flags, 'azure-use-private-ip'),
    ...(privateIpAddress ? { privateIpAddress } : {}),
    ...(dnsLabel ? { dnsLabel } : {}),
    ...(zone ? { zone } : {}),
    ...(availabilitySet ? { availabilitySet } : {}),
    sshUser: sshUser(stringFlag(flags, 'azure-ssh-user') ?? 'azureuser'),
    diskSizeGb: intFlag(flags, 'azure-disk-size', 30, 30, 4095),
    storageType: storageType as StorageType,
    acceleratedNetworking: boolFlag(flags, 'azure-accelerated-networking'),
    tags: tagPairs(listFlag(flags, 'azure-tags')),
    ...(customData ? { customDataPath: path.resolve(cwd, customData) } : {}),
    ...(plan ? { plan } : {}),
    environment: environment as AzureEnvironmentName,
    ...(endpoint ? { endpoint: endpoint.replace(/\/+$/, '') } : {}),
    stopMode: stopMode as StopMode,
    enginePort: AZURE_ENGINE_PORT,
  };
}

function refuseSecretFlags(flags: FlagValues): void {
  for (const flag of SECRET_FLAGS) {
    if (flags[flag] === undefined) continue;
    throw new UsageError(`--${flag} is not accepted: machine never takes or stores cloud secrets`, [
      'sign in with `az login`, or',
      'export AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (a service principal; DefaultAzureCredential reads them at every command), or',
      'run where a managed identity or workload identity is available',
    ]);
  }
}

function matching(flags: FlagValues, name: string, pattern: RegExp, what: string): string | undefined {
  const value = stringFlag(flags, name);
  if (value !== undefined && !pattern.test(value)) throw new UsageError(`--${name} must be ${what}, not "${value}"`);
  return value;
}

function isIpv4(value: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  return match !== null && match.slice(1).every((octet) => Number(octet) <= 255);
}

function isCidr(value: string): boolean {
  const [address, bits] = value.split('/');
  return address !== undefined && isIpv4(address) && bits !== undefined && /^\d{1,2}$/.test(bits) && Number(bits) <= 32;
}

function ipv4Number(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** Whether `address` lies inside the IPv4 `cidr`. */
export function cidrContains(cidr: string, address: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipv4Number(base) / size) * size;
  const n = ipv4Number(address);
  return n >= start && n < start + size;
}

function cidrs(values: string[]): string[] {
  if (values.length === 0) return ['0.0.0.0/0'];
  for (const value of values) {
    if (!isCidr(value)) throw new UsageError(`--azure-allowed-cidr must be an IPv4 CIDR such as 203.0.113.0/24, not "${value}"`);
  }
  return [...new Set(values)];
}

function openPort(value: string): { port: number; protocol: 'tcp' | 'udp' } {
  const match = /^(\d{1,5})(?:\/(tcp|udp))?$/i.exec(value);
  const port = Number(match?.[1]);
  if (!match || port < 1 || port > 65535) throw new UsageError(`--azure-open-port must be PORT or PORT/tcp or PORT/udp, not "${value}"`);
  return { port, protocol: (match[2]?.toLowerCase() ?? 'tcp') as 'tcp' | 'udp' };
}

/** `key1,value1,key2,value2`, as --amazonec2-tags takes them. */
function tagPairs(values: string[]): Record<string, string> {
  if (values.length % 2 !== 0) {
    throw new UsageError('--azure-tags takes key,value pairs: an even number of comma-separated items', ['--azure-tags team,infra,env,dev']);
  }
  const tags: Record<string, string> = {};
  for (let i = 0; i < values.length; i += 2) {
    const key = values[i] as string;
    const value = values[i + 1] as string;
    // machine: is ours (we find our resources by it); Azure refuses these characters in tag names.
    if (/^machine:/i.test(key)) throw new UsageError(`--azure-tags: the key "${key}" uses the reserved prefix machine:`);
    if (/[<>%&\\?/]/.test(key) || key.length > 512) throw new UsageError(`--azure-tags: "${key}" is not a valid Azure tag name (up to 512 characters, none of < > % & \\ ? /)`);
    if (value.length > 256) throw new UsageError(`--azure-tags: the value of "${key}" is longer than 256 characters`);
    tags[key] = value;
  }
  return tags;
}

function sshUser(user: string): string {
  // Azure refuses a few well-known names as the admin user of a Linux VM.
  const reserved = ['root', 'admin', 'administrator', 'adm', 'guest', 'user', 'test', 'sys', 'owner', 'server', 'support', 'backup', 'console', 'sql', 'aspnet'];
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user) || reserved.includes(user)) {
    throw new UsageError(`--azure-ssh-user must be a login name Azure accepts (lowercase, not root or admin...), not "${user}"`);
  }
  return user;
}
