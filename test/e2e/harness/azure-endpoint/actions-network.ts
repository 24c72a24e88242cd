import { ArmError, notFound, resourceId } from './arm';
import { LOCATIONS } from './catalog';
import { type ArmRequest, type ArmResponse, type AzureContext, type Route, resourceBody, sleep } from './context';
import type { ArmResource } from './model';
import { ipConfigurations, refId, render, sameId } from './render';
import { requireGroup } from './actions-resources';

const GROUP = 'subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Network';

/**
 * Stores the resource and answers a PUT as Network does: 201 (200 for an update) with the resource
 * `Updating` and an Azure-AsyncOperation header; the operation succeeds after a moment (or fails, when
 * a test injected that), and the resource's provisioningState follows it.
 */
export function acceptPut(ctx: AzureContext, req: ArmRequest, operation: string, resource: ArmResource, existed: boolean, work?: () => Promise<void>): ArmResponse {
  if (!LOCATIONS[resource.location]) throw new ArmError(400, 'LocationNotAvailableForResourceType', `The provided location '${resource.location}' is not available for resource type '${resource.type}'.`);
  resource.properties.provisioningState = 'Updating';
  ctx.put(resource);
  const failure = ctx.asyncFailure(operation);
  const namespace = resource.type.split('/')[0] as string;
  const { headers } = ctx.operations.start(namespace, resource.location, req.apiVersion, async () => {
    await sleep(ctx.provisionMs);
    await work?.();
    if (failure) {
      resource.properties.provisioningState = 'Failed';
      throw failure;
    }
    resource.properties.provisioningState = 'Succeeded';
  });
  return { status: existed ? 200 : 201, body: render(ctx, resource), headers: { 'Azure-AsyncOperation': headers['Azure-AsyncOperation'] as string, 'Retry-After': headers['Retry-After'] as string } };
}

/** A DELETE as Network and Compute answer it: 204 when there is nothing, else 202 and an operation. */
export function acceptDelete(ctx: AzureContext, req: ArmRequest, resource: ArmResource | undefined, work: () => Promise<void>): ArmResponse {
  if (!resource) return { status: 204 };
  resource.properties.provisioningState = 'Deleting';
  const namespace = resource.type.split('/')[0] as string;
  const { headers } = ctx.operations.start(namespace, resource.location, req.apiVersion, async () => {
    await sleep(ctx.provisionMs);
    await work();
    ctx.remove(resource.id);
  });
  return { status: 202, headers };
}

function existing(ctx: AzureContext, req: ArmRequest, type: string, nameParam: string): { id: string; resource: ArmResource | undefined } {
  const id = resourceId(ctx.subscription, ctx.group(req.params.group ?? '').name, type, req.params[nameParam] ?? '');
  return { id, resource: ctx.get(id) };
}

function found(ctx: AzureContext, req: ArmRequest, type: string, nameParam: string): ArmResource {
  ctx.group(req.params.group ?? '');
  const { resource } = existing(ctx, req, type, nameParam);
  if (!resource) throw notFound(type, req.params[nameParam] ?? '', req.params.group);
  return resource;
}

/** IPv4 CIDR arithmetic for address-space checks. */
function range(cidr: string): [number, number] {
  const [base = '', bits = '32'] = cidr.split('/');
  const n = base.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(n / size) * size;
  return [start, start + size - 1];
}

function within(inner: string, outer: string): boolean {
  const [a, b] = range(inner);
  const [c, d] = range(outer);
  return a >= c && b <= d;
}

function subnetResource(vnet: ArmResource, name: string, prefix: unknown): ArmResource {
  if (typeof prefix !== 'string' || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(prefix)) throw new ArmError(400, 'InvalidAddressPrefixFormat', `Address prefix ${String(prefix)} of subnet ${name} is not formatted correctly.`);
  const space = ((vnet.properties.addressSpace as { addressPrefixes?: string[] } | undefined)?.addressPrefixes ?? []);
  if (!space.some((outer) => within(prefix, outer))) throw new ArmError(400, 'NetcfgSubnetRangeOutsideVnet', `Subnet '${name}' is not valid because its IP address range is outside the IP address range of virtual network '${vnet.name}'.`);
  return { id: `${vnet.id}/subnets/${name}`, name, type: 'Microsoft.Network/virtualNetworks/subnets', resourceGroup: vnet.resourceGroup, location: vnet.location, tags: {}, properties: { addressPrefix: prefix } };
}

function inUse(ctx: AzureContext, resource: ArmResource): boolean {
  return (render(ctx, resource).properties as Record<string, unknown>).ipConfigurations !== undefined;
}

const vnetRoutes: Route[] = [
  { method: 'GET', pattern: `${GROUP}/virtualNetworks/{name}`, operation: 'GET virtualNetworks', handle: (req, ctx) => ({ status: 200, body: render(ctx, found(ctx, req, 'Microsoft.Network/virtualNetworks', 'name')) }) },
  {
    method: 'PUT',
    pattern: `${GROUP}/virtualNetworks/{name}`,
    operation: 'PUT virtualNetworks',
    handle: (req, ctx) => {
      requireGroup(ctx, req.params.group ?? '');
      const { id, resource: before } = existing(ctx, req, 'Microsoft.Network/virtualNetworks', 'name');
      const { location, tags, properties } = resourceBody(req.body);
      const prefixes = (properties.addressSpace as { addressPrefixes?: unknown } | undefined)?.addressPrefixes;
      if (!Array.isArray(prefixes) || prefixes.length === 0) throw new ArmError(400, 'InvalidRequestFormat', 'Cannot parse the request: addressSpace.addressPrefixes is required.');
      const vnet: ArmResource = { id, name: req.params.name ?? '', type: 'Microsoft.Network/virtualNetworks', resourceGroup: ctx.group(req.params.group ?? '').name, location, tags, properties: { addressSpace: { addressPrefixes: prefixes } } };
      const subnets = ((properties.subnets as Array<{ name?: string; properties?: { addressPrefix?: unknown } }> | undefined) ?? []).map((s) => subnetResource(vnet, s.name ?? '', s.properties?.addressPrefix));
      const response = acceptPut(ctx, req, 'PUT virtualNetworks', vnet, before !== undefined);
      for (const subnet of subnets) {
        subnet.properties.provisioningState = 'Succeeded';
        ctx.put(subnet);
      }
      return { ...response, body: render(ctx, vnet) };
    },
  },
  {
    method: 'DELETE',
    pattern: `${GROUP}/virtualNetworks/{name}`,
    operation: 'DELETE virtualNetworks',
    handle: (req, ctx) => {
      const { resource } = existing(ctx, req, 'Microsoft.Network/virtualNetworks', 'name');
      const subnets = resource ? ctx.ofType('Microsoft.Network/virtualNetworks/subnets').filter((s) => s.id.toLowerCase().startsWith(`${resource.id.toLowerCase()}/`)) : [];
      const busy = subnets.find((s) => inUse(ctx, s));
      if (busy) throw new ArmError(400, 'InUseSubnetCannotBeDeleted', `Subnet ${busy.name} is in use by network interfaces and cannot be deleted.`);
      return acceptDelete(ctx, req, resource, async () => {
        for (const subnet of subnets) ctx.remove(subnet.id);
      });
    },
  },
  {
    method: 'GET',
    pattern: `${GROUP}/virtualNetworks/{vnet}/subnets/{name}`,
    operation: 'GET subnets',
    handle: (req, ctx) => {
      const vnet = found(ctx, req, 'Microsoft.Network/virtualNetworks', 'vnet');
      const subnet = ctx.get(`${vnet.id}/subnets/${req.params.name}`);
      if (!subnet) throw notFound('Microsoft.Network/virtualNetworks/subnets', `${vnet.name}/${req.params.name}`, req.params.group);
      return { status: 200, body: render(ctx, subnet) };
    },
  },
  {
    method: 'PUT',
    pattern: `${GROUP}/virtualNetworks/{vnet}/subnets/{name}`,
    operation: 'PUT subnets',
    handle: (req, ctx) => {
      const vnet = found(ctx, req, 'Microsoft.Network/virtualNetworks', 'vnet');
      const body = (req.body ?? {}) as { properties?: { addressPrefix?: unknown } };
      const subnet = subnetResource(vnet, req.params.name ?? '', body.properties?.addressPrefix);
      return acceptPut(ctx, req, 'PUT subnets', subnet, ctx.get(subnet.id) !== undefined);
    },
  },
  {
    method: 'DELETE',
    pattern: `${GROUP}/virtualNetworks/{vnet}/subnets/{name}`,
    operation: 'DELETE subnets',
    handle: (req, ctx) => {
      const vnet = found(ctx, req, 'Microsoft.Network/virtualNetworks', 'vnet');
      const subnet = ctx.get(`${vnet.id}/subnets/${req.params.name}`);
      if (subnet && inUse(ctx, subnet)) throw new ArmError(400, 'InUseSubnetCannotBeDeleted', `Subnet ${subnet.name} is in use by network interfaces and cannot be deleted.`);
      return acceptDelete(ctx, req, subnet, async () => undefined);
    },
  },
];

function checkedRules(rules: unknown): Array<Record<string, unknown>> {
  const list = (Array.isArray(rules) ? rules : []) as Array<{ name?: string; properties?: Record<string, unknown> }>;
  const seen = new Map<string, string>();
  return list.map((rule) => {
    const p = rule.properties ?? {};
    const priority = Number(p.priority);
    if (!Number.isInteger(priority) || priority < 100 || priority > 4096) throw new ArmError(400, 'SecurityRuleInvalidPriority', `Security rule ${rule.name} has invalid Priority. Value provided: ${String(p.priority)}. Allowed range 100-4096.`);
    const key = `${String(p.direction)}:${priority}`;
    if (seen.has(key)) throw new ArmError(400, 'SecurityRulesConflict', `Security rule ${rule.name} conflicts with rule ${seen.get(key)}. Rules cannot have the same Priority and Direction.`);
    seen.set(key, rule.name ?? '');
    for (const field of ['protocol', 'access', 'direction', 'destinationPortRange']) {
      if (typeof p[field] !== 'string') throw new ArmError(400, 'InvalidRequestFormat', `Security rule ${rule.name} lacks ${field}.`);
    }
    return { name: rule.name, properties: { ...p, provisioningState: 'Succeeded' } };
  });
}

const nsgRoutes: Route[] = [
  { method: 'GET', pattern: `${GROUP}/networkSecurityGroups/{name}`, operation: 'GET networkSecurityGroups', handle: (req, ctx) => ({ status: 200, body: renderNsg(ctx, found(ctx, req, 'Microsoft.Network/networkSecurityGroups', 'name')) }) },
  {
    method: 'PUT',
    pattern: `${GROUP}/networkSecurityGroups/{name}`,
    operation: 'PUT networkSecurityGroups',
    handle: (req, ctx) => {
      requireGroup(ctx, req.params.group ?? '');
      const { id, resource: before } = existing(ctx, req, 'Microsoft.Network/networkSecurityGroups', 'name');
      const { location, tags, properties } = resourceBody(req.body);
      const nsg: ArmResource = { id, name: req.params.name ?? '', type: 'Microsoft.Network/networkSecurityGroups', resourceGroup: ctx.group(req.params.group ?? '').name, location, tags, properties: { securityRules: checkedRules(properties.securityRules) } };
      const response = acceptPut(ctx, req, 'PUT networkSecurityGroups', nsg, before !== undefined);
      return { ...response, body: renderNsg(ctx, nsg) };
    },
  },
  {
    method: 'DELETE',
    pattern: `${GROUP}/networkSecurityGroups/{name}`,
    operation: 'DELETE networkSecurityGroups',
    handle: (req, ctx) => {
      const { resource } = existing(ctx, req, 'Microsoft.Network/networkSecurityGroups', 'name');
      if (resource && (render(ctx, resource).properties as Record<string, unknown>).networkInterfaces) {
        throw new ArmError(400, 'InUseNetworkSecurityGroupCannotBeDeleted', `Network security group ${resource.id} cannot be deleted because it is in use by network interfaces.`);
      }
      return acceptDelete(ctx, req, resource, async () => undefined);
    },
  },
];

/** Security rules come back with their ids, as Azure gives them. */
function renderNsg(ctx: AzureContext, nsg: ArmResource): Record<string, unknown> {
  const json = render(ctx, nsg);
  const properties = json.properties as Record<string, unknown>;
  properties.securityRules = ((properties.securityRules as Array<{ name?: string }>) ?? []).map((r) => ({ id: `${nsg.id}/securityRules/${r.name}`, type: 'Microsoft.Network/networkSecurityGroups/securityRules', ...r }));
  return json;
}

const publicIpRoutes: Route[] = [
  { method: 'GET', pattern: `${GROUP}/publicIPAddresses/{name}`, operation: 'GET publicIPAddresses', handle: (req, ctx) => ({ status: 200, body: render(ctx, found(ctx, req, 'Microsoft.Network/publicIPAddresses', 'name')) }) },
  {
    method: 'PUT',
    pattern: `${GROUP}/publicIPAddresses/{name}`,
    operation: 'PUT publicIPAddresses',
    handle: (req, ctx) => {
      requireGroup(ctx, req.params.group ?? '');
      const { id, resource: before } = existing(ctx, req, 'Microsoft.Network/publicIPAddresses', 'name');
      const { location, tags, properties, raw } = resourceBody(req.body);
      const sku = ((raw.sku as { name?: string } | undefined)?.name ?? 'Basic') as string;
      const allocation = (properties.publicIPAllocationMethod as string | undefined) ?? 'Dynamic';
      if (!['Basic', 'Standard'].includes(sku)) throw new ArmError(400, 'InvalidPublicIPAddressSku', `Sku ${sku} is not valid for a public IP address.`);
      if (sku === 'Standard' && allocation !== 'Static') throw new ArmError(400, 'StandardSkuPublicIPAddressesMustBeStatic', `Standard sku publicIp ${id} must be allocated statically.`);
      const zones = raw.zones as string[] | undefined;
      if (zones && sku !== 'Standard') throw new ArmError(400, 'ZonedPublicIPAddressesMustBeStandardSku', 'Only Standard SKU public IP addresses can be placed in availability zones.');
      const label = (properties.dnsSettings as { domainNameLabel?: string } | undefined)?.domainNameLabel;
      if (label && ctx.ofType('Microsoft.Network/publicIPAddresses').some((ip) => ip.id !== id && ip.location === location && (ip.properties.dnsSettings as { domainNameLabel?: string } | undefined)?.domainNameLabel === label)) {
        throw new ArmError(400, 'DnsRecordInUse', `DNS record ${label}.${location}.cloudapp.azure.com is already used by another public IP.`);
      }
      const ip: ArmResource = {
        id,
        name: req.params.name ?? '',
        type: 'Microsoft.Network/publicIPAddresses',
        resourceGroup: ctx.group(req.params.group ?? '').name,
        location,
        tags,
        sku: { name: sku, tier: 'Regional' },
        ...(zones ? { zones } : {}),
        properties: {
          publicIPAllocationMethod: allocation,
          publicIPAddressVersion: 'IPv4',
          idleTimeoutInMinutes: 4,
          ...(label ? { dnsSettings: { domainNameLabel: label, fqdn: `${label}.${location}.cloudapp.azure.com` } } : {}),
          // A static address is there from the start; a dynamic one only while its VM is allocated.
          ...(allocation === 'Static' ? { ipAddress: (before?.properties.ipAddress as string | undefined) ?? ctx.nextPublicIp() } : {}),
        },
      };
      return acceptPut(ctx, req, 'PUT publicIPAddresses', ip, before !== undefined);
    },
  },
  {
    method: 'DELETE',
    pattern: `${GROUP}/publicIPAddresses/{name}`,
    operation: 'DELETE publicIPAddresses',
    handle: (req, ctx) => {
      const { resource } = existing(ctx, req, 'Microsoft.Network/publicIPAddresses', 'name');
      if (resource && (render(ctx, resource).properties as Record<string, unknown>).ipConfiguration) {
        throw new ArmError(400, 'PublicIPAddressCannotBeDeleted', `Public IP address ${resource.id} can not be deleted since it is still allocated to resource ${refId((render(ctx, resource).properties as Record<string, unknown>).ipConfiguration)}.`);
      }
      return acceptDelete(ctx, req, resource, async () => undefined);
    },
  },
];

const nicRoutes: Route[] = [
  { method: 'GET', pattern: `${GROUP}/networkInterfaces/{name}`, operation: 'GET networkInterfaces', handle: (req, ctx) => ({ status: 200, body: render(ctx, found(ctx, req, 'Microsoft.Network/networkInterfaces', 'name')) }) },
  {
    method: 'PUT',
    pattern: `${GROUP}/networkInterfaces/{name}`,
    operation: 'PUT networkInterfaces',
    handle: (req, ctx) => {
      requireGroup(ctx, req.params.group ?? '');
      const { id, resource: before } = existing(ctx, req, 'Microsoft.Network/networkInterfaces', 'name');
      const { location, tags, properties } = resourceBody(req.body);
      const configs = (properties.ipConfigurations as Array<{ name?: string; properties?: Record<string, unknown> }> | undefined) ?? [];
      if (configs.length === 0) throw new ArmError(400, 'NetworkInterfaceMustHaveAtLeastOneIpConfiguration', `Network interface ${id} must have one or more IP configurations.`);
      const stored = configs.map((c, index) => {
        const p = c.properties ?? {};
        const subnet = ctx.reference(refId(p.subnet), `network interface ${id}`);
        const publicIpId = refId(p.publicIPAddress);
        if (publicIpId) {
          const ip = ctx.reference(publicIpId, `network interface ${id}`);
          const holder = ctx.ofType('Microsoft.Network/networkInterfaces').find((n) => !sameId(n.id, id) && ipConfigurations(n).some((x) => sameId(refId(x.publicIPAddress), ip.id)));
          if (holder) throw new ArmError(400, 'PublicIPAddressInUse', `Resource ${ip.id} is referenced by resource ${holder.id}.`);
          if (ip.location !== location) throw new ArmError(400, 'InvalidResourceReference', `Public IP ${ip.id} is in ${ip.location}, the network interface in ${location}.`);
        }
        const staticAddress = p.privateIPAllocationMethod === 'Static' ? (p.privateIPAddress as string | undefined) : undefined;
        if (p.privateIPAllocationMethod === 'Static' && !staticAddress) throw new ArmError(400, 'PrivateIPAddressIsRequired', 'A static private IP allocation needs privateIPAddress.');
        const previous = before ? ipConfigurations(before)[index] : undefined;
        return {
          name: c.name ?? `ipconfig${index + 1}`,
          primary: p.primary ?? index === 0,
          privateIPAllocationMethod: staticAddress ? 'Static' : 'Dynamic',
          privateIPAddress: staticAddress ?? (previous?.privateIPAddress as string | undefined) ?? ctx.nextPrivateIp(),
          privateIPAddressVersion: 'IPv4',
          subnet: { id: subnet.id },
          ...(publicIpId ? { publicIPAddress: { id: publicIpId } } : {}),
        };
      });
      const nsgId = refId(properties.networkSecurityGroup);
      if (nsgId) ctx.reference(nsgId, `network interface ${id}`);
      const nic: ArmResource = {
        id,
        name: req.params.name ?? '',
        type: 'Microsoft.Network/networkInterfaces',
        resourceGroup: ctx.group(req.params.group ?? '').name,
        location,
        tags,
        properties: { ipConfigurations: stored, ...(nsgId ? { networkSecurityGroup: { id: nsgId } } : {}), enableAcceleratedNetworking: properties.enableAcceleratedNetworking === true, enableIPForwarding: false, primary: true },
      };
      return acceptPut(ctx, req, 'PUT networkInterfaces', nic, before !== undefined);
    },
  },
  {
    method: 'DELETE',
    pattern: `${GROUP}/networkInterfaces/{name}`,
    operation: 'DELETE networkInterfaces',
    handle: (req, ctx) => {
      const { resource } = existing(ctx, req, 'Microsoft.Network/networkInterfaces', 'name');
      const vm = resource ? refId((render(ctx, resource).properties as Record<string, unknown>).virtualMachine) : undefined;
      if (vm) throw new ArmError(400, 'NicInUse', `Network Interface ${resource?.id} is used by existing resource ${vm}. In order to delete the network interface, it must be dissociated from the resource.`);
      return acceptDelete(ctx, req, resource, async () => undefined);
    },
  },
];

export const networkRoutes: Route[] = [...vnetRoutes, ...nsgRoutes, ...publicIpRoutes, ...nicRoutes];
