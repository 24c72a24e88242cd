import { ArmError, groupNotFound } from './arm';
import { API_VERSIONS, IMAGES, LOCATIONS, SIZES } from './catalog';
import { type ArmResponse, type AzureContext, type Route, resourceBody } from './context';
import { teardownVm } from './actions-compute';

const SUB = 'subscriptions/{sub}';

function groupJson(group: { id: string; name: string; location: string; tags: Record<string, string> }): unknown {
  return { id: group.id, name: group.name, type: 'Microsoft.Resources/resourceGroups', location: group.location, tags: group.tags, properties: { provisioningState: 'Succeeded' } };
}

function provider(namespace: string): unknown {
  const types = namespace === 'Microsoft.Compute' ? ['virtualMachines', 'disks', 'availabilitySets', 'locations/operations'] : ['virtualNetworks', 'networkSecurityGroups', 'publicIPAddresses', 'networkInterfaces', 'locations/operations'];
  return {
    id: `/subscriptions/{sub}/providers/${namespace}`,
    namespace,
    registrationState: 'Registered',
    registrationPolicy: 'RegistrationRequired',
    resourceTypes: types.map((resourceType) => ({ resourceType, locations: Object.values(LOCATIONS), apiVersions: API_VERSIONS[namespace.toLowerCase()] ?? [] })),
  };
}

/** A page of a list, with a nextLink to the rest (`$skiptoken` is the offset): the SDK's pagers must follow it. */
function page(items: unknown[], url: URL, size: number): unknown {
  const from = Number(url.searchParams.get('$skiptoken') ?? '0');
  const next = from + size < items.length ? new URL(url.toString()) : undefined;
  next?.searchParams.set('$skiptoken', String(from + size));
  return { value: items.slice(from, from + size), ...(next ? { nextLink: next.toString() } : {}) };
}

function skuJson(size: (typeof SIZES)[number], location: string): unknown {
  return {
    resourceType: 'virtualMachines',
    name: size.name,
    tier: 'Standard',
    size: size.name.replace(/^Standard_/, ''),
    family: size.family,
    locations: [location],
    locationInfo: [{ location, zones: size.zones, zoneDetails: [] }],
    capabilities: [
      { name: 'HyperVGenerations', value: size.generations.join(',') },
      { name: 'CpuArchitectureType', value: size.architecture },
      { name: 'AcceleratedNetworkingEnabled', value: size.acceleratedNetworking ? 'True' : 'False' },
    ],
    restrictions: size.restriction ? [{ type: 'Location', values: [location], restrictionInfo: { locations: [location] }, reasonCode: size.restriction }] : [],
  };
}

function imageBase(sub: string, location: string, publisher: string): string {
  return `/Subscriptions/${sub}/Providers/Microsoft.Compute/Locations/${location}/Publishers/${publisher}/ArtifactTypes/VMImage`;
}

function knownLocation(location: string): string {
  if (!LOCATIONS[location.toLowerCase()]) throw new ArmError(400, 'NoRegisteredProviderFound', `No registered resource provider found for location '${location}'.`);
  return location.toLowerCase();
}

export const resourceRoutes: Route[] = [
  {
    method: 'GET',
    pattern: `${SUB}/providers/{namespace}`,
    operation: 'GET providers',
    handle: (req, ctx) => {
      const namespace = ['Microsoft.Compute', 'Microsoft.Network'].find((n) => n.toLowerCase() === req.params.namespace?.toLowerCase());
      if (!namespace) throw new ArmError(404, 'InvalidResourceNamespace', `The resource namespace '${req.params.namespace}' is invalid.`);
      return { status: 200, body: JSON.parse(JSON.stringify(provider(namespace)).replace('{sub}', ctx.subscription)) };
    },
  },
  {
    method: 'GET',
    pattern: `${SUB}/resourcegroups/{group}`,
    operation: 'GET resourceGroups',
    handle: (req, ctx) => ({ status: 200, body: groupJson(ctx.group(req.params.group ?? '')) }),
  },
  {
    method: 'PUT',
    pattern: `${SUB}/resourcegroups/{group}`,
    operation: 'PUT resourceGroups',
    handle: (req, ctx) => {
      const name = req.params.group ?? '';
      const { location, tags } = resourceBody(req.body);
      knownLocation(location);
      const existing = ctx.groups.get(name.toLowerCase());
      if (existing && existing.location !== location) throw new ArmError(409, 'InvalidResourceGroupLocation', `Invalid resource group location '${location}'. The Resource group already exists in location '${existing.location}'.`);
      const group = { id: `/subscriptions/${ctx.subscription}/resourceGroups/${existing?.name ?? name}`, name: existing?.name ?? name, location, tags };
      ctx.groups.set(name.toLowerCase(), group);
      return { status: existing ? 200 : 201, body: groupJson(group) };
    },
  },
  {
    method: 'DELETE',
    pattern: `${SUB}/resourcegroups/{group}`,
    operation: 'DELETE resourceGroups',
    handle: (req, ctx) => {
      const group = ctx.group(req.params.group ?? '');
      const { headers } = ctx.operations.startGroupDeletion(req.apiVersion, async () => {
        // A group takes everything in it along, VMs first.
        for (const vm of ctx.inGroup(group.name).filter((r) => r.type === 'Microsoft.Compute/virtualMachines')) await teardownVm(ctx, vm);
        for (const resource of ctx.inGroup(group.name)) ctx.remove(resource.id);
        ctx.groups.delete(group.name.toLowerCase());
      });
      return { status: 202, headers };
    },
  },
  {
    method: 'GET',
    pattern: `${SUB}/resourceGroups/{group}/resources`,
    operation: 'GET resources',
    handle: (req, ctx) => {
      const group = ctx.group(req.params.group ?? '');
      // Child resources (subnets) are not listed: they belong to their parent.
      const items = ctx
        .inGroup(group.name)
        .filter((r) => r.type.split('/').length === 2)
        .map((r) => ({ id: r.id, name: r.name, type: r.type, location: r.location, tags: r.tags, ...(r.sku ? { sku: r.sku } : {}) }));
      return { status: 200, body: page(items, req.url, 3) };
    },
  },
  {
    method: 'GET',
    pattern: `${SUB}/providers/Microsoft.Compute/skus`,
    operation: 'GET skus',
    handle: (req) => {
      const filter = /location eq '([^']+)'/i.exec(req.url.searchParams.get('$filter') ?? '');
      const locations = filter ? [knownLocation(filter[1] as string)] : Object.keys(LOCATIONS);
      const items = locations.flatMap((location) => SIZES.map((size) => skuJson(size, location)));
      return { status: 200, body: page(items, req.url, 2) };
    },
  },
  {
    method: 'GET',
    pattern: `${SUB}/providers/Microsoft.Compute/locations/{location}/publishers/{publisher}/artifacttypes/vmimage/offers`,
    operation: 'GET imageOffers',
    handle: (req, ctx) => {
      const location = knownLocation(req.params.location ?? '');
      const offers = [...new Set(IMAGES.filter((i) => i.publisher.toLowerCase() === req.params.publisher?.toLowerCase()).map((i) => i.offer))];
      if (offers.length === 0) throw new ArmError(404, 'NotFound', `Artifact: VMImage was not found.`);
      return { status: 200, body: offers.map((offer) => ({ name: offer, location, id: `${imageBase(ctx.subscription, location, req.params.publisher ?? '')}/Offers/${offer}` })) };
    },
  },
  {
    method: 'GET',
    pattern: `${SUB}/providers/Microsoft.Compute/locations/{location}/publishers/{publisher}/artifacttypes/vmimage/offers/{offer}/skus/{sku}/versions`,
    operation: 'GET imageVersions',
    handle: (req, ctx) => {
      const location = knownLocation(req.params.location ?? '');
      const image = findImage(req.params);
      const base = `${imageBase(ctx.subscription, location, image.publisher)}/Offers/${image.offer}/Skus/${image.sku}/Versions`;
      return { status: 200, body: image.versions.map((version) => ({ name: version, location, id: `${base}/${version}` })) };
    },
  },
  {
    method: 'GET',
    pattern: `${SUB}/providers/Microsoft.Compute/locations/{location}/publishers/{publisher}/artifacttypes/vmimage/offers/{offer}/skus/{sku}/versions/{version}`,
    operation: 'GET imageVersion',
    handle: (req, ctx) => {
      const location = knownLocation(req.params.location ?? '');
      const image = findImage(req.params);
      const version = req.params.version ?? '';
      if (!image.versions.includes(version)) throw new ArmError(404, 'NotFound', `Artifact: VMImage was not found.`);
      return {
        status: 200,
        body: {
          name: version,
          location,
          id: `${imageBase(ctx.subscription, location, image.publisher)}/Offers/${image.offer}/Skus/${image.sku}/Versions/${version}`,
          properties: {
            osDiskImage: { operatingSystem: 'Linux' },
            dataDiskImages: [],
            hyperVGeneration: image.generation,
            architecture: image.architecture,
            ...(image.plan ? { plan: image.plan } : {}),
            automaticOSUpgradeProperties: { automaticOSUpgradeSupported: false },
          },
        },
      };
    },
  },
];

export function findImage(params: Record<string, string>): (typeof IMAGES)[number] {
  const image = IMAGES.find((i) => i.publisher.toLowerCase() === params.publisher?.toLowerCase() && i.offer.toLowerCase() === params.offer?.toLowerCase() && i.sku.toLowerCase() === params.sku?.toLowerCase());
  if (!image) throw new ArmError(404, 'NotFound', `Artifact: VMImage was not found.`);
  return image;
}

/** Every PUT into a group needs the group. */
export function requireGroup(ctx: AzureContext, name: string): void {
  if (!ctx.groups.has(name.toLowerCase())) throw groupNotFound(name);
}

export function noContent(): ArmResponse {
  return { status: 204 };
}
