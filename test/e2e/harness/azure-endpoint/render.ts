import type { AzureContext } from './context';
import type { ArmResource } from './model';

/**
 * A resource as GET answers it. Links Azure keeps on both ends (a subnet's IP configurations, a
 * security group's interfaces, an address's IP configuration, an interface's VM) are derived from the
 * other end here, so they can never disagree.
 */
export function render(ctx: AzureContext, resource: ArmResource): Record<string, unknown> {
  const properties = { ...resource.properties };
  const nics = ctx.ofType('Microsoft.Network/networkInterfaces');
  const ipConfigsOf = (predicate: (config: Record<string, unknown>) => boolean) =>
    nics.flatMap((nic) => ipConfigurations(nic).filter(predicate).map((c) => ({ id: `${nic.id}/ipConfigurations/${String(c.name)}` })));
  switch (resource.type) {
    case 'Microsoft.Network/virtualNetworks':
      properties.subnets = ctx.ofType('Microsoft.Network/virtualNetworks/subnets').filter((s) => s.id.toLowerCase().startsWith(`${resource.id.toLowerCase()}/subnets/`)).map((s) => render(ctx, s));
      break;
    case 'Microsoft.Network/virtualNetworks/subnets': {
      const configs = ipConfigsOf((c) => sameId(refId(c.subnet), resource.id));
      if (configs.length > 0) properties.ipConfigurations = configs;
      break;
    }
    case 'Microsoft.Network/networkSecurityGroups': {
      const users = nics.filter((n) => sameId(refId(n.properties.networkSecurityGroup), resource.id)).map((n) => ({ id: n.id }));
      if (users.length > 0) properties.networkInterfaces = users;
      properties.defaultSecurityRules = [];
      break;
    }
    case 'Microsoft.Network/publicIPAddresses': {
      const [config] = ipConfigsOf((c) => sameId(refId(c.publicIPAddress), resource.id));
      if (config) properties.ipConfiguration = config;
      break;
    }
    case 'Microsoft.Network/networkInterfaces': {
      properties.ipConfigurations = ipConfigurations(resource).map((c) => ({ id: `${resource.id}/ipConfigurations/${String(c.name)}`, name: c.name, type: 'Microsoft.Network/networkInterfaces/ipConfigurations', properties: { ...c, name: undefined } }));
      const vm = ctx.ofType('Microsoft.Compute/virtualMachines').find((v) => vmNicIds(v).some((id) => sameId(id, resource.id)));
      if (vm) properties.virtualMachine = { id: vm.id };
      break;
    }
    case 'Microsoft.Compute/availabilitySets': {
      properties.virtualMachines = ctx.ofType('Microsoft.Compute/virtualMachines').filter((v) => sameId(refId(v.properties.availabilitySet), resource.id)).map((v) => ({ id: v.id }));
      break;
    }
    default:
      break;
  }
  const managedBy = resource.type === 'Microsoft.Compute/disks' ? ctx.ofType('Microsoft.Compute/virtualMachines').find((v) => sameId(osDiskId(v), resource.id))?.id : undefined;
  return {
    id: resource.id,
    name: resource.name,
    type: resource.type,
    ...(resource.type.split('/').length === 2 ? { location: resource.location, tags: resource.tags } : {}),
    ...(resource.sku ? { sku: resource.sku } : {}),
    ...(resource.zones ? { zones: resource.zones } : {}),
    ...(resource.plan ? { plan: resource.plan } : {}),
    ...(managedBy ? { managedBy } : {}),
    properties,
  };
}

/** The IP configurations of an interface as stored: `{name, subnet, publicIPAddress, privateIPAddress...}`. */
export function ipConfigurations(nic: ArmResource): Array<Record<string, unknown>> {
  return (nic.properties.ipConfigurations as Array<Record<string, unknown>> | undefined) ?? [];
}

export function vmNicIds(vm: ArmResource): string[] {
  const profile = vm.properties.networkProfile as { networkInterfaces?: Array<{ id?: string }> } | undefined;
  return (profile?.networkInterfaces ?? []).map((n) => n.id ?? '');
}

export function osDiskId(vm: ArmResource): string | undefined {
  const storage = vm.properties.storageProfile as { osDisk?: { managedDisk?: { id?: string } } } | undefined;
  return storage?.osDisk?.managedDisk?.id;
}

export function refId(reference: unknown): string | undefined {
  return typeof reference === 'object' && reference !== null && typeof (reference as { id?: unknown }).id === 'string' ? (reference as { id: string }).id : undefined;
}

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}
