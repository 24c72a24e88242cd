import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { ArmError, notFound, resourceId } from './arm';
import { IMAGES, SIZES } from './catalog';
import { type ArmRequest, type AzureContext, type PowerState, type Route, type VmRuntime, resourceBody, sleep } from './context';
import type { ArmResource } from './model';
import { ipConfigurations, osDiskId, refId, render, sameId, vmNicIds } from './render';
import { acceptDelete } from './actions-network';
import { findImage, requireGroup } from './actions-resources';

const GROUP = 'subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Compute';
const VM_TYPE = 'Microsoft.Compute/virtualMachines';
/** Signs boot diagnostics SAS URIs, as a storage account key would. */
const SAS_KEY = randomBytes(32);
/** Names Azure refuses as a Linux VM's admin user. */
const RESERVED_USERS = ['root', 'admin', 'administrator', 'adm', 'guest', 'user', 'test', 'sys', 'owner', 'server', 'support', 'backup', 'console', 'sql', 'aspnet'];

function vmOf(ctx: AzureContext, req: ArmRequest): { vm: ArmResource; runtime: VmRuntime } {
  ctx.group(req.params.group ?? '');
  const vm = ctx.get(resourceId(ctx.subscription, ctx.group(req.params.group ?? '').name, VM_TYPE, req.params.name ?? ''));
  const runtime = vm ? ctx.vms.get(vm.id.toLowerCase()) : undefined;
  if (!vm || !runtime) throw notFound(VM_TYPE, req.params.name ?? '', req.params.group);
  return { vm, runtime };
}

function provisioning(vm: ArmResource): string {
  return String(vm.properties.provisioningState ?? '');
}

/** The instance view's statuses: provisioning, then power, as Compute lists them. */
function instanceView(vm: ArmResource, runtime: VmRuntime): Record<string, unknown> {
  const state = provisioning(vm).toLowerCase();
  const statuses: Array<Record<string, unknown>> = [{ code: `ProvisioningState/${state}`, level: state === 'failed' ? 'Error' : 'Info', displayStatus: `Provisioning ${state}`, time: new Date().toISOString() }];
  if (runtime.power) statuses.push({ code: `PowerState/${runtime.power}`, level: 'Info', displayStatus: `VM ${runtime.power}` });
  const os = vm.properties.osProfile as { computerName?: string } | undefined;
  return { computerName: os?.computerName, osName: 'debian', osVersion: '12', hyperVGeneration: 'V2', statuses };
}

/** The NIC's security group's inbound TCP ports: what the VM's addresses forward into the guest. */
function allowedPorts(ctx: AzureContext, nic: ArmResource): number[] {
  const nsg = ctx.get(refId(nic.properties.networkSecurityGroup) ?? '');
  if (!nsg) return [22, 2376];
  const rules = (nsg.properties.securityRules as Array<{ properties?: Record<string, unknown> }> | undefined) ?? [];
  const ports = rules
    .map((r) => r.properties ?? {})
    .filter((p) => p.direction === 'Inbound' && p.access === 'Allow' && (p.protocol === 'Tcp' || p.protocol === '*'))
    .map((p) => Number(p.destinationPortRange))
    .filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
  return [...new Set(ports)];
}

/** A dynamic public address is assigned while the VM is allocated, a new one each time. */
function allocateAddresses(ctx: AzureContext, vm: ArmResource): { addresses: string[]; ports: number[] } {
  const addresses: string[] = [];
  let ports: number[] = [];
  for (const nic of vmNicIds(vm).map((id) => ctx.get(id)).filter((n): n is ArmResource => n !== undefined)) {
    ports = [...new Set([...ports, ...allowedPorts(ctx, nic)])];
    for (const config of ipConfigurations(nic)) {
      const ip = ctx.get(refId(config.publicIPAddress) ?? '');
      if (ip) {
        if (ip.properties.ipAddress === undefined) ip.properties.ipAddress = ctx.nextPublicIp();
        addresses.push(ip.properties.ipAddress as string);
      }
      if (typeof config.privateIPAddress === 'string') addresses.push(config.privateIPAddress);
    }
  }
  return { addresses, ports };
}

function releaseDynamicAddresses(ctx: AzureContext, vm: ArmResource): void {
  for (const nic of vmNicIds(vm).map((id) => ctx.get(id)).filter((n): n is ArmResource => n !== undefined)) {
    for (const config of ipConfigurations(nic)) {
      const ip = ctx.get(refId(config.publicIPAddress) ?? '');
      if (ip && ip.properties.publicIPAllocationMethod === 'Dynamic') delete ip.properties.ipAddress;
    }
  }
}

/** Boots the VM's guest on its addresses; a VM deleted meanwhile gets its guest killed at once. */
async function bootGuest(ctx: AzureContext, vm: ArmResource, runtime: VmRuntime): Promise<void> {
  const { addresses, ports } = allocateAddresses(ctx, vm);
  const os = vm.properties.osProfile as { computerName: string; adminUsername: string; linuxConfiguration?: { ssh?: { publicKeys?: Array<{ keyData?: string }> } } };
  const guest = await ctx.backend.boot({
    vmId: runtime.vmId,
    hostname: os.computerName,
    user: os.adminUsername,
    authorizedKey: os.linuxConfiguration?.ssh?.publicKeys?.[0]?.keyData ?? '',
    ...(runtime.customData !== undefined ? { customData: runtime.customData } : {}),
    addresses,
    ports,
  });
  if (runtime.deleted) {
    await guest.kill();
    throw new ArmError(409, 'OperationPreempted', 'The VM was deleted while it was starting.');
  }
  runtime.guest = guest;
}

/** Ends a VM's guest and forgets its disk: what deletion (of the VM or its group) does to it. */
export async function teardownVm(ctx: AzureContext, vm: ArmResource): Promise<void> {
  const runtime = ctx.vms.get(vm.id.toLowerCase());
  if (!runtime) return;
  runtime.deleted = true;
  await runtime.guest?.kill();
  runtime.guest = undefined;
  releaseDynamicAddresses(ctx, vm);
  await runtime.chain;
  await ctx.backend.discard(runtime.vmId);
  ctx.vms.delete(vm.id.toLowerCase());
}

/** A POST action (start, deallocate...): 202 with both polling headers; `power` is the state while it runs. */
function powerAction(ctx: AzureContext, req: ArmRequest, action: string, allowed: (power: PowerState | undefined) => boolean, power: PowerState, work: (vm: ArmResource, runtime: VmRuntime) => Promise<void>) {
  const { vm, runtime } = vmOf(ctx, req);
  if (provisioning(vm) !== 'Succeeded' && provisioning(vm) !== 'Failed') throw new ArmError(409, 'OperationNotAllowed', `Operation '${action}' is not allowed on VM '${vm.name}' since the VM is ${provisioning(vm).toLowerCase()}.`);
  if (!allowed(runtime.power)) throw new ArmError(409, 'OperationNotAllowed', `Operation '${action}' is not allowed on VM '${vm.name}' since the VM is ${runtime.power ?? 'not allocated'}.`);
  runtime.power = power;
  const { headers } = ctx.operations.start('Microsoft.Compute', vm.location, req.apiVersion, () => ctx.queue(runtime, () => work(vm, runtime)));
  return { status: 202, headers };
}

function validateVm(ctx: AzureContext, req: ArmRequest, id: string, location: string, properties: Record<string, unknown>, raw: Record<string, unknown>): { customData?: string; image: (typeof IMAGES)[number]; version: string } {
  const hardware = properties.hardwareProfile as { vmSize?: string } | undefined;
  const size = SIZES.find((s) => s.name.toLowerCase() === hardware?.vmSize?.toLowerCase());
  if (!size) throw new ArmError(400, 'InvalidParameter', `The value ${hardware?.vmSize} provided for the VM size is not valid.`);
  if (size.restriction) throw new ArmError(409, 'SkuNotAvailable', `The requested VM size for resource '${id}' is currently not available in location '${location}'.`);
  const zones = raw.zones as string[] | undefined;
  if (zones?.some((z) => !size.zones.includes(z))) throw new ArmError(409, 'SkuNotAvailable', `The requested VM size ${size.name} is not available in zone ${zones.join(',')} of '${location}'.`);

  const storage = properties.storageProfile as { imageReference?: Record<string, string>; osDisk?: { name?: string; diskSizeGB?: number } } | undefined;
  const ref = storage?.imageReference ?? {};
  const image = (() => {
    try {
      return findImage({ publisher: ref.publisher ?? '', offer: ref.offer ?? '', sku: ref.sku ?? '' });
    } catch {
      throw new ArmError(404, 'PlatformImageNotFound', `The platform image '${ref.publisher}:${ref.offer}:${ref.sku}:${ref.version}' is not available.`);
    }
  })();
  const version = ref.version === 'latest' ? ([...image.versions].sort().pop() as string) : (ref.version ?? '');
  if (!image.versions.includes(version)) throw new ArmError(404, 'PlatformImageNotFound', `The platform image '${ref.publisher}:${ref.offer}:${ref.sku}:${ref.version}' is not available.`);
  if (image.architecture !== size.architecture || !size.generations.includes(image.generation)) {
    throw new ArmError(400, 'BadRequest', `The selected VM size '${size.name}' cannot boot the ${image.architecture} generation ${image.generation} image.`);
  }
  if (image.plan && !raw.plan) throw new ArmError(400, 'VMMarketplaceInvalidInput', 'Creating a virtual machine from Marketplace image requires Plan information in the request.');
  if (!storage?.osDisk?.name) throw new ArmError(400, 'InvalidParameter', 'The OS disk needs a name here.');
  if (ctx.get(resourceId(ctx.subscription, ctx.group(req.params.group ?? '').name, 'Microsoft.Compute/disks', storage.osDisk.name))) {
    throw new ArmError(409, 'ConflictingUserInput', `Disk ${storage.osDisk.name} already exists in resource group ${req.params.group}. Only CreateOption.Attach is supported.`);
  }

  const os = properties.osProfile as { computerName?: string; adminUsername?: string; customData?: string; linuxConfiguration?: { disablePasswordAuthentication?: boolean; ssh?: { publicKeys?: Array<{ path?: string; keyData?: string }> } } } | undefined;
  if (!os?.adminUsername || RESERVED_USERS.includes(os.adminUsername.toLowerCase())) throw new ArmError(400, 'InvalidParameter', 'The Admin Username specified is not allowed.');
  if (!os.computerName || os.computerName.length > 64 || os.computerName.includes('.')) throw new ArmError(400, 'InvalidParameter', 'Linux host name cannot exceed 64 characters in length or contain periods.');
  const key = os.linuxConfiguration?.ssh?.publicKeys?.[0];
  if (os.linuxConfiguration?.disablePasswordAuthentication && !key?.keyData) throw new ArmError(400, 'InvalidParameter', 'Password authentication is disabled, and no SSH public key was given.');
  if (key && !/^(ssh-rsa|ssh-ed25519) [A-Za-z0-9+/=]+/.test(key.keyData ?? '')) throw new ArmError(400, 'InvalidParameter', 'The value of parameter linuxConfiguration.ssh.publicKeys.keyData is invalid.');
  if (key && key.path !== `/home/${os.adminUsername}/.ssh/authorized_keys`) throw new ArmError(400, 'InvalidParameter', `Destination path for SSH public keys is currently limited to its default value /home/${os.adminUsername}/.ssh/authorized_keys.`);
  if (os.customData !== undefined && (os.customData.length > 87_380 || !/^[A-Za-z0-9+/]*={0,2}$/.test(os.customData))) throw new ArmError(400, 'InvalidParameter', 'Custom data in OSProfile must be in Base64 encoding and with a maximum length of 87380 characters.');

  const nics = ((properties.networkProfile as { networkInterfaces?: Array<{ id?: string }> } | undefined)?.networkInterfaces ?? []).map((n) => n.id);
  if (nics.length === 0) throw new ArmError(400, 'InvalidParameter', 'At least one network interface is required.');
  for (const nicId of nics) {
    const nic = ctx.get(nicId ?? '');
    if (!nic) throw new ArmError(404, 'NotFound', `Resource ${nicId} not found.`);
    const holder = ctx.ofType(VM_TYPE).find((v) => v.id !== id && vmNicIds(v).some((x) => sameId(x, nic.id)));
    if (holder) throw new ArmError(400, 'NicInUse', `Network interface ${nic.id} is used by VM ${holder.id}.`);
  }
  const setId = refId(properties.availabilitySet);
  if (setId) ctx.reference(setId, `VM ${id}`);
  return { ...(os.customData !== undefined ? { customData: Buffer.from(os.customData, 'base64').toString('utf8') } : {}), image, version };
}

const vmRoutes: Route[] = [
  {
    method: 'GET',
    pattern: `${GROUP}/virtualMachines/{name}`,
    operation: 'GET virtualMachines',
    handle: (req, ctx) => {
      const { vm, runtime } = vmOf(ctx, req);
      const body = render(ctx, vm);
      if (req.url.searchParams.get('$expand') === 'instanceView') (body.properties as Record<string, unknown>).instanceView = instanceView(vm, runtime);
      return { status: 200, body };
    },
  },
  { method: 'GET', pattern: `${GROUP}/virtualMachines/{name}/instanceView`, operation: 'GET instanceView', handle: (req, ctx) => { const { vm, runtime } = vmOf(ctx, req); return { status: 200, body: instanceView(vm, runtime) }; } },
  {
    method: 'PUT',
    pattern: `${GROUP}/virtualMachines/{name}`,
    operation: 'PUT virtualMachines',
    handle: (req, ctx) => {
      requireGroup(ctx, req.params.group ?? '');
      const group = ctx.group(req.params.group ?? '').name;
      const id = resourceId(ctx.subscription, group, VM_TYPE, req.params.name ?? '');
      const before = ctx.get(id);
      if (before) return { status: 200, body: render(ctx, before) };
      const { location, tags, properties, raw } = resourceBody(req.body);
      const { customData, image, version } = validateVm(ctx, req, id, location, properties, raw);
      const storage = properties.storageProfile as { imageReference: Record<string, string>; osDisk: { name: string; diskSizeGB?: number; caching?: string; managedDisk?: { storageAccountType?: string } } };
      const diskId = resourceId(ctx.subscription, group, 'Microsoft.Compute/disks', storage.osDisk.name);
      const storageType = storage.osDisk.managedDisk?.storageAccountType ?? 'StandardSSD_LRS';
      const vmId = randomUUID();
      const os = { ...(properties.osProfile as Record<string, unknown>) };
      // Azure never answers custom data back.
      delete os.customData;
      const vm: ArmResource = {
        id,
        name: req.params.name ?? '',
        type: VM_TYPE,
        resourceGroup: group,
        location,
        tags,
        ...(raw.zones ? { zones: raw.zones as string[] } : {}),
        ...(raw.plan ? { plan: raw.plan as Record<string, unknown> } : {}),
        properties: {
          vmId,
          hardwareProfile: properties.hardwareProfile,
          storageProfile: {
            imageReference: { ...storage.imageReference, exactVersion: version },
            osDisk: { osType: 'Linux', name: storage.osDisk.name, createOption: 'FromImage', caching: storage.osDisk.caching ?? 'ReadWrite', deleteOption: 'Detach', diskSizeGB: storage.osDisk.diskSizeGB ?? 30, managedDisk: { storageAccountType: storageType, id: diskId } },
            dataDisks: [],
          },
          osProfile: { ...os, secrets: [], allowExtensionOperations: true, requireGuestProvisionSignal: true },
          networkProfile: properties.networkProfile,
          ...(properties.diagnosticsProfile ? { diagnosticsProfile: properties.diagnosticsProfile } : {}),
          ...(properties.availabilitySet ? { availabilitySet: properties.availabilitySet } : {}),
          timeCreated: new Date().toISOString(),
        },
      };
      const disk: ArmResource = {
        id: diskId,
        name: storage.osDisk.name,
        type: 'Microsoft.Compute/disks',
        resourceGroup: group,
        location,
        tags: {},
        sku: { name: storageType, tier: storageType.startsWith('Premium') ? 'Premium' : 'Standard' },
        ...(raw.zones ? { zones: raw.zones as string[] } : {}),
        properties: { osType: 'Linux', hyperVGeneration: image.generation, creationData: { createOption: 'FromImage', imageReference: { id: `/Subscriptions/${ctx.subscription}/Providers/Microsoft.Compute/Locations/${location}/Publishers/${image.publisher}/ArtifactTypes/VMImage/Offers/${image.offer}/Skus/${image.sku}/Versions/${version}` } }, diskSizeGB: storage.osDisk.diskSizeGB ?? 30, diskState: 'Attached', provisioningState: 'Succeeded', timeCreated: new Date().toISOString() },
      };
      ctx.put(disk);
      const runtime: VmRuntime = { vmId, power: 'starting', ...(customData !== undefined ? { customData } : {}), chain: Promise.resolve(), deleted: false };
      ctx.vms.set(id.toLowerCase(), runtime);
      vm.properties.provisioningState = 'Creating';
      ctx.put(vm);
      const failure = ctx.asyncFailure('PUT virtualMachines');
      const { headers } = ctx.operations.start('Microsoft.Compute', location, req.apiVersion, () =>
        ctx.queue(runtime, async () => {
          try {
            if (failure) {
              await sleep(ctx.provisionMs);
              throw failure;
            }
            await bootGuest(ctx, vm, runtime);
            // Provisioning ends when the guest's agent reports ready; here, when its SSH answers.
            await runtime.guest?.ready(ctx.vmReadyTimeoutMs).catch((err: unknown) => {
              throw new ArmError(500, 'OSProvisioningTimedOut', `OS Provisioning for VM '${vm.name}' did not finish in the allotted time: ${err instanceof Error ? err.message : String(err)}`);
            });
            if (runtime.deleted) throw new ArmError(409, 'OperationPreempted', 'The VM was deleted while it was being created.');
            vm.properties.provisioningState = 'Succeeded';
            runtime.power = 'running';
          } catch (err) {
            if (!runtime.deleted) vm.properties.provisioningState = 'Failed';
            throw err;
          }
        }),
      );
      return { status: 201, body: render(ctx, vm), headers: { 'Azure-AsyncOperation': headers['Azure-AsyncOperation'] as string } };
    },
  },
  {
    method: 'DELETE',
    pattern: `${GROUP}/virtualMachines/{name}`,
    operation: 'DELETE virtualMachines',
    handle: (req, ctx) => {
      ctx.group(req.params.group ?? '');
      const vm = ctx.get(resourceId(ctx.subscription, ctx.group(req.params.group ?? '').name, VM_TYPE, req.params.name ?? ''));
      // Deletion does not wait behind a boot in progress: it ends the guest at once, as Azure cancels a create.
      return acceptDelete(ctx, req, vm, async () => {
        if (vm) await teardownVm(ctx, vm);
      });
    },
  },
  {
    method: 'POST',
    pattern: `${GROUP}/virtualMachines/{name}/start`,
    operation: 'POST start',
    handle: (req, ctx) =>
      powerAction(ctx, req, 'start', () => true, 'starting', async (vm, runtime) => {
        if (runtime.guest?.isRunning()) {
          runtime.power = 'running';
          return;
        }
        await bootGuest(ctx, vm, runtime);
        runtime.power = 'running';
      }),
  },
  {
    method: 'POST',
    pattern: `${GROUP}/virtualMachines/{name}/deallocate`,
    operation: 'POST deallocate',
    handle: (req, ctx) =>
      powerAction(ctx, req, 'deallocate', () => true, 'deallocating', async (vm, runtime) => {
        await runtime.guest?.powerDown(60_000);
        runtime.guest = undefined;
        // Compute and a dynamic address go back to Azure: billing stops.
        releaseDynamicAddresses(ctx, vm);
        runtime.power = 'deallocated';
      }),
  },
  {
    method: 'POST',
    pattern: `${GROUP}/virtualMachines/{name}/powerOff`,
    operation: 'POST powerOff',
    handle: (req, ctx) =>
      powerAction(ctx, req, 'powerOff', (p) => p !== 'deallocated' && p !== 'deallocating', 'stopping', async (_vm, runtime) => {
        if (req.url.searchParams.get('skipShutdown') === 'true') await runtime.guest?.kill();
        else await runtime.guest?.powerDown(60_000);
        runtime.guest = undefined;
        runtime.power = 'stopped';
      }),
  },
  {
    method: 'POST',
    pattern: `${GROUP}/virtualMachines/{name}/restart`,
    operation: 'POST restart',
    handle: (req, ctx) =>
      powerAction(ctx, req, 'restart', (p) => p === 'running', 'starting', async (vm, runtime) => {
        await runtime.guest?.kill();
        runtime.guest = undefined;
        await bootGuest(ctx, vm, runtime);
        runtime.power = 'running';
      }),
  },
  {
    method: 'POST',
    pattern: `${GROUP}/virtualMachines/{name}/retrieveBootDiagnosticsData`,
    operation: 'POST retrieveBootDiagnosticsData',
    handle: (req, ctx) => {
      const { vm, runtime } = vmOf(ctx, req);
      const diagnostics = vm.properties.diagnosticsProfile as { bootDiagnostics?: { enabled?: boolean } } | undefined;
      if (!diagnostics?.bootDiagnostics?.enabled) throw new ArmError(409, 'OperationNotAllowed', `Boot diagnostics is not enabled for VM '${vm.name}'.`);
      const minutes = Number(req.url.searchParams.get('sasUriExpirationTimeInMinutes') ?? '120');
      const expiry = new Date(Date.now() + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      return { status: 200, body: { consoleScreenshotBlobUri: blobUri(ctx, runtime.vmId, `${vm.name}.screenshot.bmp`, expiry), serialConsoleLogBlobUri: blobUri(ctx, runtime.vmId, `${vm.name}.serialconsole.log`, expiry) } };
    },
  },
];

function blobPath(vmId: string, file: string): string {
  return `/bootdiagnostics-${vmId.slice(0, 8)}/${vmId}/${file}`;
}

function sign(path: string, expiry: string): string {
  return createHmac('sha256', SAS_KEY).update(`${path}\n${expiry}`).digest('base64');
}

function blobUri(ctx: AzureContext, vmId: string, file: string, expiry: string): string {
  const path = blobPath(vmId, file);
  const query = new URLSearchParams({ sv: '2023-11-03', sr: 'b', sp: 'r', se: expiry, sig: sign(path, expiry) });
  return `${ctx.base()}${path}?${query.toString()}`;
}

/** GET of a boot diagnostics blob through its SAS URI: the serial log of the VM's current boot. */
export async function serveBlob(ctx: AzureContext, url: URL): Promise<{ status: number; text: string }> {
  const match = /^\/bootdiagnostics-[0-9a-f]{8}\/([0-9a-f-]{36})\/([^/]+)$/.exec(url.pathname);
  const expiry = url.searchParams.get('se') ?? '';
  const signature = url.searchParams.get('sig') ?? '';
  if (!match || signature !== sign(url.pathname, expiry) || Date.parse(expiry) < Date.now()) {
    return { status: 403, text: '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request.</Message></Error>' };
  }
  const runtime = [...ctx.vms.values()].find((v) => v.vmId === match[1]);
  const log = runtime?.guest ? await runtime.guest.serialLog() : '';
  if (!runtime || !match[2]?.endsWith('.serialconsole.log') || log === '') return { status: 404, text: '<?xml version="1.0" encoding="utf-8"?><Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.</Message></Error>' };
  return { status: 200, text: log };
}

const diskRoutes: Route[] = [
  {
    method: 'GET',
    pattern: `${GROUP}/disks/{name}`,
    operation: 'GET disks',
    handle: (req, ctx) => {
      const disk = ctx.get(resourceId(ctx.subscription, ctx.group(req.params.group ?? '').name, 'Microsoft.Compute/disks', req.params.name ?? ''));
      if (!disk) throw notFound('Microsoft.Compute/disks', req.params.name ?? '', req.params.group);
      const body = render(ctx, disk);
      (body.properties as Record<string, unknown>).diskState = body.managedBy ? 'Attached' : 'Unattached';
      return { status: 200, body };
    },
  },
  {
    method: 'DELETE',
    pattern: `${GROUP}/disks/{name}`,
    operation: 'DELETE disks',
    handle: (req, ctx) => {
      const disk = ctx.get(resourceId(ctx.subscription, ctx.group(req.params.group ?? '').name, 'Microsoft.Compute/disks', req.params.name ?? ''));
      const holder = disk ? ctx.ofType(VM_TYPE).find((v) => sameId(osDiskId(v), disk.id)) : undefined;
      if (holder) throw new ArmError(409, 'OperationNotAllowed', `Disk ${disk?.name} is attached to VM ${holder.id}.`);
      return acceptDelete(ctx, req, disk, async () => undefined);
    },
  },
];

const availabilitySetRoutes: Route[] = [
  {
    method: 'GET',
    pattern: `${GROUP}/availabilitySets/{name}`,
    operation: 'GET availabilitySets',
    handle: (req, ctx) => {
      const set = ctx.get(resourceId(ctx.subscription, ctx.group(req.params.group ?? '').name, 'Microsoft.Compute/availabilitySets', req.params.name ?? ''));
      if (!set) throw notFound('Microsoft.Compute/availabilitySets', req.params.name ?? '', req.params.group);
      return { status: 200, body: render(ctx, set) };
    },
  },
  {
    method: 'PUT',
    pattern: `${GROUP}/availabilitySets/{name}`,
    operation: 'PUT availabilitySets',
    handle: (req, ctx) => {
      requireGroup(ctx, req.params.group ?? '');
      const group = ctx.group(req.params.group ?? '').name;
      const id = resourceId(ctx.subscription, group, 'Microsoft.Compute/availabilitySets', req.params.name ?? '');
      const existed = ctx.get(id) !== undefined;
      const { location, tags, properties, raw } = resourceBody(req.body);
      const set: ArmResource = { id, name: req.params.name ?? '', type: 'Microsoft.Compute/availabilitySets', resourceGroup: group, location, tags, sku: (raw.sku as Record<string, unknown>) ?? { name: 'Classic' }, properties: { platformFaultDomainCount: properties.platformFaultDomainCount ?? 2, platformUpdateDomainCount: properties.platformUpdateDomainCount ?? 5 } };
      ctx.put(set);
      return { status: existed ? 200 : 201, body: render(ctx, set) };
    },
  },
  {
    method: 'DELETE',
    pattern: `${GROUP}/availabilitySets/{name}`,
    operation: 'DELETE availabilitySets',
    handle: (req, ctx) => {
      const set = ctx.get(resourceId(ctx.subscription, ctx.group(req.params.group ?? '').name, 'Microsoft.Compute/availabilitySets', req.params.name ?? ''));
      if (!set) return { status: 204 };
      if (((render(ctx, set).properties as Record<string, unknown>).virtualMachines as unknown[]).length > 0) throw new ArmError(409, 'OperationNotAllowed', `Availability set ${set.name} still holds virtual machines.`);
      ctx.remove(set.id);
      return { status: 200 };
    },
  },
];

/** Polling URLs of long-running operations, for Compute, Network and resource group deletion alike. */
const operationRoutes: Route[] = [
  {
    method: 'GET',
    pattern: 'subscriptions/{sub}/providers/{namespace}/locations/{location}/operations/{id}',
    operation: 'GET operations',
    handle: (req, ctx) => (req.url.searchParams.get('monitor') === 'true' ? ctx.operations.result(req.params.id ?? '', req.url.toString()) : ctx.operations.status(req.params.id ?? '')),
  },
  { method: 'GET', pattern: 'subscriptions/{sub}/providers/{namespace}/locations/{location}/operationResults/{id}', operation: 'GET operationResults', handle: (req, ctx) => ctx.operations.result(req.params.id ?? '', req.url.toString()) },
  { method: 'GET', pattern: 'subscriptions/{sub}/operationresults/{id}', operation: 'GET operationResults', handle: (req, ctx) => ctx.operations.result(req.params.id ?? '', req.url.toString()) },
];

export const computeRoutes: Route[] = [...vmRoutes, ...diskRoutes, ...availabilitySetRoutes, ...operationRoutes];
