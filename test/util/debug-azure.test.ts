import { captureDebugLines } from '../helpers/debug-capture';
import { randomBytes, randomUUID } from 'node:crypto';
import { azureConfigFromFlags } from '../../drivers/azure/config';
import { sdkAzurePort } from '../../drivers/azure/sdk-port';
import { enableDebug } from '../../src/util/debug';
import { type LocalAzure, inertVmBackend, startLocalAzure } from '../e2e/harness/azure-endpoint';

/**
 * What --debug shows of Azure, through the real SDK against the local control plane: each Resource
 * Manager call with its status, duration and attempts, each throttled attempt, and never the secret,
 * a token, or a SAS signature.
 */
const SUBSCRIPTION = randomUUID();
const PRINCIPAL = { tenantId: randomUUID(), clientId: randomUUID(), clientSecret: randomBytes(24).toString('base64') };
const ENV_KEYS = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_AUTHORITY_HOST'];

let azure: LocalAzure;
const lines: string[] = [];
const strip = (line: string) => line.replace(/^\S+ \+\d+ms /, '');

const port = () => {
  Object.assign(process.env, azure.environment());
  return sdkAzurePort(azureConfigFromFlags({ 'azure-subscription-id': SUBSCRIPTION, 'azure-endpoint': azure.armEndpoint }, {}), { tlsOptions: { ca: azure.caPem } });
};

beforeAll(() => enableDebug());
beforeEach(async () => {
  azure = await startLocalAzure({ subscriptionId: SUBSCRIPTION, principal: PRINCIPAL, backend: inertVmBackend, provisionMs: 0 });
  lines.length = 0;
  captureDebugLines(lines);
});
afterEach(async () => {
  jest.restoreAllMocks();
  await azure.close();
  for (const key of ENV_KEYS) delete process.env[key];
});

it('logs each call with its status, duration and attempts', async () => {
  expect((await port().provider('Microsoft.Compute'))?.registrationState).toBe('Registered');
  expect(lines.map(strip)).toEqual([expect.stringMatching(/^machine:api Resources GET providers\/Microsoft.Compute 200 in \d+ ms \(1 attempt, request [0-9a-f-]{36}\)\n$/)]);
});

it('logs each throttled attempt with its Retry-After, then the call with its attempts', async () => {
  azure.throttle('GET resourceGroups', 2);
  expect(await port().getResourceGroup('nope')).toBeUndefined();
  expect(lines.map(strip)).toEqual([
    'machine:retry Resources GET resourcegroups/nope attempt 1 answered 429 (Retry-After 1)\n',
    'machine:retry Resources GET resourcegroups/nope attempt 2 answered 429 (Retry-After 1)\n',
    expect.stringMatching(/^machine:api Resources GET resourcegroups\/nope failed in \d+ ms: 404 ResourceGroupNotFound \(3 attempts\)\n$/),
  ]);
}, 30_000);

it('logs the serial log read by its blob name, and keeps the secret, the token and the SAS signature out', async () => {
  const p = port();
  await p.createResourceGroup('rg1', 'westus2', {});
  const vnet = await p.createVnet('rg1', 'v', { location: 'westus2', tags: {}, addressPrefix: '10.0.0.0/16', subnet: 's' }, async () => undefined, {});
  const nsg = await p.putNsg('rg1', 'n', { location: 'westus2', tags: {}, rules: [] }, async () => undefined, {});
  const nic = await p.createNic('rg1', 'nic', { location: 'westus2', tags: {}, subnetId: vnet.subnets[0]?.id ?? '', nsgId: nsg.id, acceleratedNetworking: false }, async () => undefined, {});
  await p.createVm('rg1', 'vm1', {
    location: 'westus2', tags: {}, size: 'Standard_B2s', image: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: '24.04.202502210' },
    osDisk: { name: 'vm1-osdisk', sizeGb: 30, storageType: 'StandardSSD_LRS' }, computerName: 'vm1', adminUsername: 'azureuser',
    sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRlc3RrZXl0ZXN0a2V5dGVzdGtleXRlc3RrZXk= t', customData: 'password=hunter2', nicId: nic.id,
  }, async () => undefined, {});
  expect(await p.serialLog('rg1', 'vm1')).toBeUndefined();
  const all = lines.map(strip);
  expect(all).toContainEqual(expect.stringMatching(/^machine:api Compute PUT virtualMachines\/vm1 201 in \d+ ms/));
  expect(all).toContainEqual(expect.stringMatching(/^machine:api Compute GET locations\/westus2\/operations\/[0-9a-f-]{36} 200 in/));
  expect(all).toContainEqual(expect.stringMatching(/^machine:api Compute POST virtualMachines\/vm1\/retrieveBootDiagnosticsData 200 in/));
  expect(all).toContainEqual(expect.stringMatching(/^machine:api Blob GET vm1\.serialconsole\.log 404 in \d+ ms \(1 attempt/));
  const text = all.join('');
  for (const secret of [PRINCIPAL.clientSecret, ...azure.issuedTokens(), 'hunter2', 'sig=', 'Bearer']) expect(text).not.toContain(secret);
});
