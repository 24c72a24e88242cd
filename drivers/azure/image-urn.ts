import { UsageError } from '../../src/core/errors';

/** A marketplace image as Azure names it: `publisher:offer:sku:version`, version a number or `latest`. */
export interface ImageUrn {
  publisher: string;
  offer: string;
  sku: string;
  version: string;
}

export interface ImagePlan {
  publisher: string;
  product: string;
  name: string;
}

export function parseImageUrn(urn: string): ImageUrn {
  const parts = urn.split(':');
  const [publisher, offer, sku, version] = parts;
  if (parts.length !== 4 || !publisher || !offer || !sku || !version || !/^(latest|\d+(\.\d+)*)$/i.test(version)) {
    throw new UsageError(`--azure-image must be an image URN publisher:offer:sku:version (version a number or latest), not "${urn}"`, [
      'e.g. Canonical:ubuntu-24_04-lts:server:latest; `az vm image list --all --publisher Canonical` lists them',
    ]);
  }
  return { publisher, offer, sku, version: version.toLowerCase() === 'latest' ? 'latest' : version };
}

export function formatImageUrn(urn: ImageUrn): string {
  return `${urn.publisher}:${urn.offer}:${urn.sku}:${urn.version}`;
}

export function parsePlan(plan: string): ImagePlan {
  const [publisher, product, name, ...rest] = plan.split(':');
  if (!publisher || !product || !name || rest.length > 0) {
    throw new UsageError(`--azure-plan must be publisher:product:name (the marketplace plan of the image), not "${plan}"`);
  }
  return { publisher, product, name };
}

/** Compares image versions (`24.04.202501010`) number by number; newest last. */
export function compareImageVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
