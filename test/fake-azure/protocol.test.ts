import { randomBytes, randomUUID } from 'node:crypto';
import type { AzurePort, ResourceName } from '../../drivers/azure/azure-port';
import { azureConfigFromFlags } from '../../drivers/azure/config';
import { sdkAzurePort } from '../../drivers/azure/sdk-port';
import { type LocalAzure, inertVmBackend, startLocalAzure } from '../e2e/harness/azure-endpoint';
import { MachineError } from '../../src/core/errors';
import { rejectionOf } from '../helpers/rejection';

/**
 * The local Azure control plane driven by the driver's SDK port, without VMs: the real
 * DefaultAzureCredential gets its token from the local authority (environment service principal),
 * every call carries it over TLS, long-running operations are polled through their headers, errors
 * and throttling arrive as Azure sends them, and the port reads every answer right.
 */
const SUBSCRIPTION = randomUUID();
const PRINCIPAL = { tenantId: randomUUID(), clientId: randomUUID(), clientSecret: randomBytes(24).toString('base64') };
const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRlc3RrZXl0ZXN0a2V5dGVzdGtleXRlc3RrZXk= test';
const ENV_KEYS = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_AUTHORITY_HOST'] as const;

let azure: LocalAzure;
const saved: Partial<Record<(typeof ENV_KEYS)[number], string | undefined>> = {};

function port(secret = PRINCIPAL.clientSecret): AzurePort {
  // DefaultAzureCredential reads the environment when it is made, as it does in the CLI.
  Object.assign(process.env, { ...azure.environment(), AZURE_CLIENT_SECRET: secret });
  const config = azureConfigFromFlags({ 'azure-subscription-id': SUBSCRIPTION, 'azure-endpoint': azure.armEndpoint }, {});
  return sdkAzurePort(config, { tlsOptions: { ca: azure.caPem } });
}

const accepted: string[] = [];
const journal = async (id: string) => {
  accepted.push(id);
};

async function network(p: AzurePort, group = 'rg1'): Promise<{ subnetId: string; nsgId: string; ipId: string; nicId: string }> {
  await p.createResourceGroup(group, 'westus2', { 'machine:managed': 'true' });
  const vnet = await p.createVnet(group, 'vnet1', { location: 'westus2', tags: {}, addressPrefix: '192.168.0.0/16', subnet: 'sub1' }, journal, {});
  const nsg = await p.putNsg(group, 'nsg1', { location: 'westus2', tags: {}, rules: [{ name: 'ssh', protocol: 'Tcp', port: 22, sources: ['*'], priority: 1000, description: 'ssh' }, { name: 'engine', protocol: 'Tcp', port: 2376, sources: ['10.0.0.0/8', '192.0.2.0/24'], priority: 1010, description: 'engine' }] }, journal, {});
  const ip = await p.createPublicIp(group, 'ip1', { location: 'westus2', tags: {}, sku: 'Basic', allocation: 'Dynamic', dnsLabel: `m${randomBytes(4).toString('hex')}` }, journal, {});
  const nic = await p.createNic(group, 'nic1', { location: 'westus2', tags: {}, subnetId: vnet.subnets[0]?.id ?? '', nsgId: nsg.id, publicIpId: ip.id, acceleratedNetworking: false }, journal, {});
  return { subnetId: vnet.subnets[0]?.id ?? '', nsgId: nsg.id, ipId: ip.id, nicId: nic.id };
}

const vmSpec = (nicId: string) => ({
  location: 'westus2',
  tags: { 'machine:name': 'vm1' },
  size: 'Standard_B2s',
  image: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: '24.04.202502210' },
  osDisk: { name: 'vm1-osdisk', sizeGb: 30, storageType: 'StandardSSD_LRS' },
  computerName: 'vm1',
  adminUsername: 'azureuser',
  sshPublicKey: PUBLIC_KEY,
  customData: '#cloud-config\n',
  nicId,
});

beforeAll(() => {
  for (const key of ENV_KEYS) saved[key] = process.env[key];
});
afterAll(() => {
  for (const key of ENV_KEYS) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});
beforeEach(async () => {
  accepted.length = 0;
  azure = await startLocalAzure({ subscriptionId: SUBSCRIPTION, principal: PRINCIPAL, backend: inertVmBackend, provisionMs: 0 });
});
afterEach(async () => {
  await azure.close();
});

describe('local Azure control plane through the real SDK', () => {
  it('authenticates with DefaultAzureCredential at the local authority and sends the token on every call', async () => {
    const p = port();
    expect((await p.provider('Microsoft.Compute'))?.registrationState).toBe('Registered');
    expect((await p.provider('Microsoft.Compute'))?.locationsOf('virtualMachines')).toEqual(['westus2', 'eastus', 'westeurope']);
    expect(azure.tokenRequests.map((r) => `${r.path} ${r.issued}`)).toEqual([`/${PRINCIPAL.tenantId}/v2.0/.well-known/openid-configuration false`, `/${PRINCIPAL.tenantId}/oauth2/v2.0/token true`]);
    expect(azure.tokenRequests[1]).toMatchObject({ grantType: 'client_credentials', clientId: PRINCIPAL.clientId, scope: expect.stringContaining(`${azure.armEndpoint}/.default`) });
    expect(azure.requests.map((r) => r.clientId)).toEqual([PRINCIPAL.clientId, PRINCIPAL.clientId]);
  });

  it('refuses a wrong secret at the authority, and the port names the step and advises', async () => {
    const err = await rejectionOf(port('not-the-secret').provider('Microsoft.Compute'), MachineError);
    expect(err.code).toBe('AZURE_AUTHENTICATIONFAILED');
    expect(err.suggestions).toEqual([expect.stringMatching(/credential was refused/)]);
    expect(err.message).toMatch(/^Azure read resource provider Microsoft.Compute failed: AuthenticationFailed: [\s\S]*AADSTS7000215: Invalid client secret provided/);
    expect(azure.requests).toEqual([]);
  });

  it('reads sizes across pages with their restrictions, and resolves images', async () => {
    const p = port();
    const skus = await p.vmSkus('westus2');
    expect(skus.map((s) => s.name)).toEqual(['Standard_B1ls', 'Standard_B2s', 'Standard_D2s_v5', 'Standard_D2ps_v5', 'Standard_NC6s_v3']);
    expect(azure.requests.filter((r) => r.operation === 'GET skus')).toHaveLength(3);
    expect(skus.find((s) => s.name === 'Standard_D2ps_v5')).toEqual({ name: 'Standard_D2ps_v5', zones: ['1', '2'], restrictedZones: [], architecture: 'Arm64', hyperVGenerations: ['V2'], acceleratedNetworking: true });
    expect(skus.find((s) => s.name === 'Standard_NC6s_v3')?.locationRestriction).toBe('NotAvailableForSubscription');
    expect(await p.imageOffers('westus2', 'Canonical')).toContain('ubuntu-24_04-lts');
    expect(await p.imageVersions('westus2', { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server' })).toEqual(['24.04.202409120', '24.04.202502210', '24.04.202411030']);
    expect(await p.imageVersion('westus2', { publisher: 'bitnami', offer: 'nginxstack', sku: '1-25', version: '1.25.3' })).toEqual({
      urn: { publisher: 'bitnami', offer: 'nginxstack', sku: '1-25', version: '1.25.3' },
      plan: { publisher: 'bitnami', product: 'nginxstack', name: '1-25' },
      architecture: 'x64',
      hyperVGeneration: 'V2',
    });
    expect(await p.imageVersion('westus2', { publisher: 'Canonical', offer: 'nope', sku: 'x', version: '1.0.0' })).toBeUndefined();
  });

  it('creates through long-running operations, journaling each id as accepted, and reads everything back', async () => {
    const p = port();
    const { nicId, ipId, nsgId } = await network(p);
    expect(accepted.map((id) => id.split('/').slice(-2).join('/'))).toEqual(['virtualNetworks/vnet1', 'networkSecurityGroups/nsg1', 'publicIPAddresses/ip1', 'networkInterfaces/nic1']);
    // Each PUT answered 201 with Azure-AsyncOperation, and the poller followed it to Succeeded.
    expect(azure.requests.filter((r) => r.operation === 'GET operations').length).toBeGreaterThanOrEqual(4);
    expect((await p.getNsg('rg1', 'nsg1'))?.rules.map((r) => `${r.name}:${r.port}:${r.sources.join(',')}`)).toEqual(['ssh:22:*', 'engine:2376:10.0.0.0/8,192.0.2.0/24']);

    const vm = await p.createVm('rg1', 'vm1', vmSpec(nicId), journal, {});
    expect(vm).toMatchObject({ provisioningState: 'Succeeded', nicIds: [nicId], osDiskName: 'vm1-osdisk' });
    expect(accepted.at(-1)).toMatch(/\/providers\/Microsoft.Compute\/virtualMachines\/vm1$/);
    expect(await p.vmStatus('rg1', 'vm1')).toEqual({ provisioning: 'succeeded', power: 'running' });
    const nic = await p.getNic('rg1', 'nic1');
    expect(nic).toMatchObject({ publicIpId: ipId, vmId: vm.id, privateIp: expect.stringMatching(/^127\./) });
    expect((await p.publicIpById(ipId))?.ipAddress).toMatch(/^127\./);
    expect((await p.getNsg('rg1', 'nsg1'))?.users).toEqual([nicId]);
    expect((await p.getSubnet('rg1', 'vnet1', 'sub1'))?.ipConfigurations).toBe(1);
    expect(await p.getDisk('rg1', 'vm1-osdisk')).toEqual({ id: expect.stringMatching(/disks\/vm1-osdisk$/) });
    expect(nsgId).toMatch(/networkSecurityGroups\/nsg1$/);
    // No serial log yet from an inert guest: boot diagnostics answer, the blob does not exist.
    expect(await p.serialLog('rg1', 'vm1')).toBeUndefined();
    expect(azure.requests.filter((r) => r.operation === 'GET blob').map((r) => r.status)).toEqual([404]);
  });

  it('deallocates, starts and powers off, releasing a dynamic address at deallocation', async () => {
    const p = port();
    const { nicId, ipId } = await network(p);
    await p.createVm('rg1', 'vm1', vmSpec(nicId), journal, {});
    const first = (await p.publicIpById(ipId))?.ipAddress;
    await p.deallocateVm('rg1', 'vm1');
    expect((await p.vmStatus('rg1', 'vm1'))?.power).toMatch(/^deallocat/);
    await azure.settled();
    expect(await p.vmStatus('rg1', 'vm1')).toEqual({ provisioning: 'succeeded', power: 'deallocated' });
    expect((await p.publicIpById(ipId))?.ipAddress).toBeUndefined();
    await p.startVm('rg1', 'vm1');
    await azure.settled();
    expect((await p.vmStatus('rg1', 'vm1'))?.power).toBe('running');
    expect((await p.publicIpById(ipId))?.ipAddress).not.toBe(first);
    await p.powerOffVm('rg1', 'vm1', true);
    await azure.settled();
    expect((await p.vmStatus('rg1', 'vm1'))?.power).toBe('stopped');
    expect(azure.requests.filter((r) => r.method === 'POST').map((r) => `${r.operation} ${r.status}`)).toEqual(['POST deallocate 202', 'POST start 202', 'POST powerOff 202']);
  });

  it('absorbs throttling (429 with Retry-After) and transient 500s through the SDK policies', async () => {
    const p = port();
    azure.throttle('GET providers', 2);
    expect((await p.provider('Microsoft.Network'))?.registrationState).toBe('Registered');
    azure.failNext('GET resourceGroups', { status: 503, code: 'ServiceUnavailable', message: 'try again', times: 1 });
    expect(await p.getResourceGroup('nope')).toBeUndefined();
    expect(azure.requests.map((r) => `${r.operation} ${r.status}`)).toEqual(['GET providers 429', 'GET providers 429', 'GET providers 200', 'GET resourceGroups 503', 'GET resourceGroups 404']);
  });

  it('a refused PUT journals nothing; one that fails after being accepted is journaled, with Azure code and message', async () => {
    const p = port();
    await p.createResourceGroup('rg1', 'westus2', {});
    azure.failNext('PUT virtualNetworks', { status: 409, code: 'Conflict', message: 'Another operation on this or a dependent resource is in progress.' });
    const refused = await rejectionOf(p.createVnet('rg1', 'vnet1', { location: 'westus2', tags: {}, addressPrefix: '10.0.0.0/16', subnet: 's' }, journal, {}), MachineError);
    expect(refused.message).toBe('Azure create virtual network vnet1 failed: Conflict: Another operation on this or a dependent resource is in progress.');
    expect(accepted).toEqual([]);

    azure.failAsync('PUT virtualNetworks', { code: 'InternalServerError', message: 'The network could not be programmed.' });
    const failed = await rejectionOf(p.createVnet('rg1', 'vnet1', { location: 'westus2', tags: {}, addressPrefix: '10.0.0.0/16', subnet: 's' }, journal, {}), MachineError);
    expect(failed).toMatchObject({ code: 'AZURE_INTERNALSERVERERROR', message: 'Azure create virtual network vnet1 failed: InternalServerError: The network could not be programmed.' });
    expect(accepted).toEqual([expect.stringMatching(/virtualNetworks\/vnet1$/)]);
  });

  it('an aborted wait ends the poll (the resource is journaled, and exists)', async () => {
    // Network operations that take long enough for the abort to land while the poller waits.
    await azure.close();
    azure = await startLocalAzure({ subscriptionId: SUBSCRIPTION, principal: PRINCIPAL, backend: inertVmBackend, provisionMs: 2_000 });
    const p = port();
    await p.createResourceGroup('rg1', 'westus2', {});
    const abort = new AbortController();
    const waiting = p.createVnet('rg1', 'vnet1', { location: 'westus2', tags: {}, addressPrefix: '10.0.0.0/16', subnet: 's' }, async (id) => {
      await journal(id);
      abort.abort();
    }, { signal: abort.signal });
    await expect(waiting).rejects.toThrow(/Azure create virtual network vnet1 failed/);
    expect(accepted).toHaveLength(1);
    expect(azure.leftovers().some((id) => id.endsWith('virtualNetworks/vnet1'))).toBe(true);
  });

  it('refuses deleting what is still in use, in reverse order it all goes, and a second delete finds it gone', async () => {
    const p = port();
    const { nicId } = await network(p);
    await p.createVm('rg1', 'vm1', vmSpec(nicId), journal, {});
    const name = (kind: ResourceName['kind'], n: string, parent?: string): ResourceName => ({ kind, resourceGroup: 'rg1', name: n, ...(parent ? { parent } : {}) });
    expect(await rejectionOf(p.deleteResource(name('azure-nic', 'nic1'), {}), MachineError)).toMatchObject({ code: 'AZURE_NICINUSE' });
    expect(await rejectionOf(p.deleteResource(name('azure-disk', 'vm1-osdisk'), {}), MachineError)).toMatchObject({ code: 'AZURE_OPERATIONNOTALLOWED' });
    for (const r of [name('azure-vm', 'vm1'), name('azure-disk', 'vm1-osdisk'), name('azure-nic', 'nic1'), name('azure-public-ip', 'ip1'), name('azure-nsg', 'nsg1'), name('azure-subnet', 'sub1', 'vnet1'), name('azure-vnet', 'vnet1')]) {
      expect(`${r.name} ${await p.deleteResource(r, {})}`).toBe(`${r.name} deleted`);
    }
    expect(await p.resourcesIn('rg1')).toEqual([]);
    expect(await p.deleteResource(name('azure-resource-group', 'rg1'), {})).toBe('deleted');
    expect(await p.deleteResource(name('azure-vm', 'vm1'), {})).toBe('gone');
    expect(azure.leftovers()).toEqual([]);
  });
});
