import { promises as fs } from 'node:fs';
import { MachineError, PreCreateCheckError } from '../../src/core/errors';
import type { AzurePort, ImageVersionInfo, VmSku } from './azure-port';
import { type AzureConfig, cidrContains } from './config';
import { resolveImage } from './image';
import { type ImagePlan, parsePlan } from './image-urn';
import { azureNameProblem, resourceNames } from './names';

/** Azure's limit on custom data, before base64. */
const CUSTOM_DATA_LIMIT = 65_535;

export interface Placement {
  image: ImageVersionInfo;
  plan?: ImagePlan;
  sku: VmSku;
  customData?: string;
}

/**
 * Everything create needs, resolved before anything is made: the credentials work and the
 * subscription answers (the first call proves both), Compute and Network are registered there, the
 * location offers VMs, the size is available to this subscription there (and in the zone), the image
 * resolves to a version the size runs, the machine's name makes valid Azure names that are not taken,
 * and the custom data can be read. Any problem is a PreCreateCheckError (exit 3), and nothing changed.
 */
export async function resolvePlacement(machineName: string, config: AzureConfig, azure: AzurePort): Promise<Placement> {
  try {
    const nameProblem = azureNameProblem(machineName);
    if (nameProblem) throw new PreCreateCheckError(`${nameProblem}; pick another machine name`);
    const customData = config.customDataPath === undefined ? undefined : await readCustomData(config.customDataPath);
    await checkProviders(config, azure);
    const sku = await checkSize(config, azure);
    const image = await resolveImage(azure, config.location, config.image, sku);
    await checkNamesFree(machineName, config, azure);
    await checkPrivateAddress(config, azure);
    const plan = config.plan ? parsePlan(config.plan) : image.plan;
    return { image, sku, ...(plan ? { plan } : {}), ...(customData !== undefined ? { customData } : {}) };
  } catch (err) {
    if (err instanceof PreCreateCheckError) throw err;
    // A failed lookup (no credentials, no permission, no such subscription) also means nothing was made.
    if (err instanceof MachineError) throw new PreCreateCheckError(err.message, err.suggestions, err.cause);
    throw err;
  }
}

async function checkProviders(config: AzureConfig, azure: AzurePort): Promise<void> {
  for (const namespace of ['Microsoft.Compute', 'Microsoft.Network']) {
    const provider = await azure.provider(namespace);
    if (provider?.registrationState !== 'Registered') {
      throw new PreCreateCheckError(`the resource provider ${namespace} is ${provider ? provider.registrationState.toLowerCase() : 'unknown'} in subscription ${config.subscriptionId}`, [
        `register it once: \`az provider register --namespace ${namespace} --subscription ${config.subscriptionId}\``,
      ]);
    }
    if (namespace !== 'Microsoft.Compute') continue;
    const locations = provider.locationsOf('virtualMachines');
    if (locations && !locations.includes(config.location)) {
      throw new PreCreateCheckError(`location ${config.location} does not offer virtual machines to this subscription`, [
        `pick one with --azure-location: ${locations.slice(0, 8).join(', ')}${locations.length > 8 ? ', ...' : ''}`,
      ]);
    }
  }
}

async function checkSize(config: AzureConfig, azure: AzurePort): Promise<VmSku> {
  const skus = await azure.vmSkus(config.location);
  const sku = skus.find((s) => s.name.toLowerCase() === config.size.toLowerCase());
  if (!sku) throw new PreCreateCheckError(`VM size ${config.size} does not exist in ${config.location}`, ['`az vm list-skus --location LOCATION --resource-type virtualMachines` lists the sizes there']);
  if (sku.locationRestriction) {
    throw new PreCreateCheckError(`VM size ${config.size} is not available to this subscription in ${config.location} (${sku.locationRestriction})`, [
      'pick another size with --azure-size or another location with --azure-location, or ask Azure support to lift the restriction',
    ]);
  }
  if (config.zone !== undefined && (!sku.zones.includes(config.zone) || sku.restrictedZones.includes(config.zone))) {
    const usable = sku.zones.filter((z) => !sku.restrictedZones.includes(z));
    throw new PreCreateCheckError(`VM size ${config.size} is not available in zone ${config.zone} of ${config.location}`, [
      usable.length > 0 ? `zones offering it: ${usable.join(', ')}` : 'it is offered in no zone there: leave out --azure-zone',
    ]);
  }
  if (config.acceleratedNetworking && !sku.acceleratedNetworking) {
    throw new PreCreateCheckError(`VM size ${config.size} does not offer accelerated networking`, ['leave out --azure-accelerated-networking, or pick a size that offers it']);
  }
  return sku;
}

/** Names the machine would take must be free: create never adopts (and later deletes) what it did not make. */
async function checkNamesFree(machineName: string, config: AzureConfig, azure: AzurePort): Promise<void> {
  const group = config.resourceGroup;
  if (!(await azure.getResourceGroup(group))) return;
  const names = resourceNames(machineName, config);
  const taken: string[] = [];
  if (await azure.getVm(group, names.vm)) taken.push(`VM ${names.vm}`);
  if (await azure.getNic(group, names.nic)) taken.push(`network interface ${names.nic}`);
  if (!config.noPublicIp && (await azure.getPublicIp(group, names.publicIp))) taken.push(`public IP ${names.publicIp}`);
  if (await azure.getDisk(group, names.osDisk)) taken.push(`disk ${names.osDisk}`);
  // A named group may be shared on purpose; the per-machine default may not.
  if (config.nsg === undefined && (await azure.getNsg(group, names.nsg))) taken.push(`network security group ${names.nsg}`);
  if (taken.length > 0) {
    throw new PreCreateCheckError(`resource group ${group} already has ${taken.join(', ')}`, [
      'pick another machine name, or delete what is left of an earlier machine of that name',
    ]);
  }
}

async function checkPrivateAddress(config: AzureConfig, azure: AzurePort): Promise<void> {
  if (!config.privateIpAddress) return;
  const subnet = await azure.getSubnet(config.resourceGroup, config.vnet, config.subnet);
  if (subnet && !cidrContains(subnet.addressPrefix, config.privateIpAddress)) {
    throw new PreCreateCheckError(`--azure-private-ip-address ${config.privateIpAddress} is not inside subnet ${config.subnet} (${subnet.addressPrefix})`);
  }
}

/** Reads --azure-custom-data; its content goes to Azure and is never stored. */
async function readCustomData(file: string): Promise<string> {
  const data = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new PreCreateCheckError(`--azure-custom-data ${file} cannot be read: ${err.code ?? err.message}`);
  });
  if (Buffer.byteLength(data) > CUSTOM_DATA_LIMIT) throw new PreCreateCheckError(`--azure-custom-data ${file} is larger than Azure's 64 KiB limit`);
  return data;
}
