import { Flags } from '@oclif/core';
import type { DriverDescriptor } from '../../src/core/driver';
import { readStoredConfig } from '../../src/core/stored-config';
import { AZURE_CONFIG_SHAPE, type AzureConfig, DEFAULT_RESOURCE_GROUP, DEFAULT_SUBNET, DEFAULT_SUBNET_PREFIX, DEFAULT_VNET, STOP_MODES, STORAGE_TYPES, azureConfigFromFlags } from './config';

const helpGroup = 'AZURE DRIVER';
const secretRefused = 'not accepted (machine stores no secret): use `az login`, AZURE_CLIENT_ID/AZURE_CLIENT_SECRET/AZURE_TENANT_ID, or a managed identity';

/**
 * The azure driver: an Azure VM made with the Azure SDK for JavaScript. Flag names and environment
 * variables follow docker-machine's driver; credentials never pass through flags or the store
 * (DefaultAzureCredential finds them at every command). This file stays cheap: the SDK loads in load().
 */
export const azureDriver: DriverDescriptor<AzureConfig> = {
  name: 'azure',
  aliases: ['az'],
  summary: 'an Azure virtual machine',
  unsupported: {},
  flags: {
    'azure-subscription-id': Flags.string({ helpGroup, env: 'AZURE_SUBSCRIPTION_ID', description: 'subscription id (required)' }),
    'azure-resource-group': Flags.string({ helpGroup, env: 'AZURE_RESOURCE_GROUP', description: 'resource group; created when missing (and removed with its last machine)', default: DEFAULT_RESOURCE_GROUP }),
    'azure-location': Flags.string({ helpGroup, env: 'AZURE_LOCATION', description: 'Azure location (region)', default: 'westus2' }),
    'azure-size': Flags.string({ helpGroup, env: 'AZURE_SIZE', description: 'VM size', default: 'Standard_B2s' }),
    'azure-image': Flags.string({ helpGroup, env: 'AZURE_IMAGE', description: 'image URN publisher:offer:sku:version (default: the current Ubuntu LTS server image; `latest` is resolved at create and recorded)' }),
    'azure-vnet': Flags.string({ helpGroup, env: 'AZURE_VNET', description: 'virtual network in the resource group; created when missing', default: DEFAULT_VNET }),
    'azure-subnet': Flags.string({ helpGroup, env: 'AZURE_SUBNET', description: 'subnet of the virtual network; created when missing', default: DEFAULT_SUBNET }),
    'azure-subnet-prefix': Flags.string({ helpGroup, env: 'AZURE_SUBNET_PREFIX', description: 'address prefix of a subnet created here', default: DEFAULT_SUBNET_PREFIX }),
    'azure-nsg': Flags.string({ helpGroup, env: 'AZURE_NSG', description: 'network security group; created when missing, opening SSH and the engine port (default: NAME-nsg)' }),
    'azure-allowed-cidr': Flags.string({ helpGroup, multiple: true, multipleNonGreedy: true, description: 'source CIDR a created security group opens SSH and the engine to (repeatable; default any: the engine demands client certificates)' }),
    'azure-open-port': Flags.string({ helpGroup, multiple: true, multipleNonGreedy: true, description: 'extra port to open in a created security group, PORT[/tcp|udp] (repeatable)' }),
    'azure-static-public-ip': Flags.boolean({ helpGroup, env: 'AZURE_STATIC_PUBLIC_IP', description: "accepted for docker-machine's scripts: every public IP is now Standard and static (Azure retired Basic ones), kept through deallocation" }),
    'azure-no-public-ip': Flags.boolean({ helpGroup, env: 'AZURE_NO_PUBLIC_IP', description: 'no public IP; reach the machine on its private one' }),
    'azure-use-private-ip': Flags.boolean({ helpGroup, env: 'AZURE_USE_PRIVATE_IP', description: 'reach the machine on its private IP (from inside the network or over a VPN)' }),
    'azure-private-ip-address': Flags.string({ helpGroup, env: 'AZURE_PRIVATE_IP_ADDRESS', description: 'static private IP inside the subnet (default: one Azure assigns)' }),
    'azure-dns': Flags.string({ helpGroup, env: 'AZURE_DNS_LABEL', description: 'DNS label of the public IP (LABEL.LOCATION.cloudapp.azure.com)' }),
    'azure-zone': Flags.string({ helpGroup, env: 'AZURE_ZONE', description: 'availability zone 1, 2 or 3' }),
    'azure-availability-set': Flags.string({ helpGroup, env: 'AZURE_AVAILABILITY_SET', description: 'availability set; created when missing' }),
    'azure-ssh-user': Flags.string({ helpGroup, env: 'AZURE_SSH_USER', description: 'admin user made on the VM (password login disabled)', default: 'azureuser' }),
    'azure-disk-size': Flags.integer({ helpGroup, env: 'AZURE_DISK_SIZE', description: 'OS disk size in GB', default: 30, min: 30, max: 4095 }),
    'azure-storage-type': Flags.string({ helpGroup, env: 'AZURE_STORAGE_TYPE', description: 'OS disk storage type', options: [...STORAGE_TYPES], default: 'StandardSSD_LRS' }),
    'azure-accelerated-networking': Flags.boolean({ helpGroup, env: 'AZURE_ACCELERATED_NETWORKING', description: 'accelerated networking on the network interface (sizes that offer it)' }),
    'azure-tags': Flags.string({ helpGroup, env: 'AZURE_TAGS', description: 'extra tags as key1,value1,key2,value2 (on every resource made for the machine)' }),
    'azure-custom-data': Flags.string({ helpGroup, env: 'AZURE_CUSTOM_DATA_FILE', description: 'file passed to cloud-init as custom data (read at create, never stored)' }),
    'azure-plan': Flags.string({ helpGroup, env: 'AZURE_PLAN', description: 'marketplace plan publisher:product:name (default: the image\'s own plan, if any)' }),
    'azure-environment': Flags.string({ helpGroup, env: 'AZURE_ENVIRONMENT', description: 'Azure cloud', options: ['AzurePublicCloud', 'AzureChinaCloud', 'AzureUSGovernment'], default: 'AzurePublicCloud' }),
    'azure-endpoint': Flags.string({ helpGroup, env: 'AZURE_ENDPOINT', description: 'custom Resource Manager endpoint (https); the token authority then comes from AZURE_AUTHORITY_HOST' }),
    'azure-stop-mode': Flags.string({ helpGroup, description: 'what stop does: deallocate (compute billing stops; a dynamic public IP changes) or poweroff (keeps the allocation, still billed)', options: [...STOP_MODES], default: 'deallocate' }),
    'azure-client-id': Flags.string({ helpGroup, hidden: true, description: secretRefused }),
    'azure-client-secret': Flags.string({ helpGroup, hidden: true, description: secretRefused }),
  },
  generatesSshKey: () => true,
  enginePort: (config) => config.enginePort,
  configFromFlags: (flags) => azureConfigFromFlags(flags),
  readConfig: (stored) => readStoredConfig<AzureConfig>('azure', stored, AZURE_CONFIG_SHAPE),
  async load() {
    const { AzureDriver } = await import('./azure-driver');
    const { sdkAzurePort } = await import('./sdk-port');
    return (env) => new AzureDriver(env, sdkAzurePort(env.config));
  },
};
