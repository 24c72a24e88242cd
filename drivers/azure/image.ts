import { PreCreateCheckError } from '../../src/core/errors';
import type { AzurePort, ImageVersionInfo, VmSku } from './azure-port';
import { type ImageUrn, compareImageVersions, formatImageUrn, parseImageUrn } from './image-urn';

export const CANONICAL = 'Canonical';

/**
 * The current Ubuntu LTS server offer among Canonical's: `ubuntu-YY_04-lts` with an even YY, the
 * newest. Looked up at create time, so the default follows Canonical's releases without a table.
 */
export function pickUbuntuLtsOffer(offers: string[]): string | undefined {
  const lts = offers
    .map((offer) => ({ offer, match: /^ubuntu-(\d{2})_04-lts$/.exec(offer) }))
    .filter((o): o is { offer: string; match: RegExpExecArray } => o.match !== null && Number(o.match[1]) % 2 === 0)
    .sort((a, b) => Number(b.match[1]) - Number(a.match[1]));
  return lts[0]?.offer;
}

/** Canonical's sku of an LTS offer for the size: Arm64, or generation 2 unless the size runs only generation 1. */
export function ubuntuSkuFor(sku: VmSku | undefined): string {
  if (sku?.architecture === 'Arm64') return 'server-arm64';
  if (sku && sku.hyperVGenerations.length > 0 && !sku.hyperVGenerations.includes('V2')) return 'server-gen1';
  return 'server';
}

/**
 * The image to create from, as a concrete version (recorded in the machine's facts): the given URN,
 * its `latest` resolved to the newest version, or the current Ubuntu LTS when none was given. It must
 * run on the size: same architecture, a VM generation the size offers.
 */
export async function resolveImage(azure: AzurePort, location: string, requested: string | undefined, sku: VmSku | undefined): Promise<ImageVersionInfo> {
  const urn = requested ? parseImageUrn(requested) : await defaultUbuntu(azure, location, sku);
  const version = urn.version === 'latest' ? await latestVersion(azure, location, urn) : urn.version;
  const image = await azure.imageVersion(location, { ...urn, version });
  if (!image) throw new PreCreateCheckError(`image ${formatImageUrn({ ...urn, version })} does not exist in ${location}`, ['`az vm image list --all --location LOCATION --publisher PUBLISHER` lists the images there']);
  if (sku?.architecture && image.architecture && sku.architecture.toLowerCase() !== image.architecture.toLowerCase()) {
    throw new PreCreateCheckError(`image ${formatImageUrn(image.urn)} is ${image.architecture}, but ${sku.name} runs ${sku.architecture}`);
  }
  if (sku && image.hyperVGeneration && sku.hyperVGenerations.length > 0 && !sku.hyperVGenerations.includes(image.hyperVGeneration)) {
    throw new PreCreateCheckError(`image ${formatImageUrn(image.urn)} is a generation ${image.hyperVGeneration.slice(1)} image, which ${sku.name} does not run (it runs ${sku.hyperVGenerations.join(', ')})`);
  }
  return image;
}

async function defaultUbuntu(azure: AzurePort, location: string, sku: VmSku | undefined): Promise<ImageUrn> {
  const offer = pickUbuntuLtsOffer(await azure.imageOffers(location, CANONICAL));
  if (!offer) throw new PreCreateCheckError(`no Ubuntu LTS image of ${CANONICAL} found in ${location}`, ['pass an image with --azure-image publisher:offer:sku:version']);
  return { publisher: CANONICAL, offer, sku: ubuntuSkuFor(sku), version: 'latest' };
}

async function latestVersion(azure: AzurePort, location: string, urn: ImageUrn): Promise<string> {
  const versions = await azure.imageVersions(location, urn);
  const newest = [...versions].sort(compareImageVersions).pop();
  if (!newest) throw new PreCreateCheckError(`image ${formatImageUrn(urn)} has no version in ${location}`, ['check the publisher, offer and sku: `az vm image list-skus --location LOCATION --publisher P --offer O`']);
  return newest;
}
