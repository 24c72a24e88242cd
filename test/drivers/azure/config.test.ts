import { azureConfigFromFlags } from '../../../drivers/azure/config';
import { cloudEndpoints } from '../../../drivers/azure/clouds';
import { UsageError } from '../../../src/core/errors';
import { findDriver } from '../../../src/services/driver-registry';

const SUB = '0b6cd1a4-55f1-4ce8-9f4e-3a5e1c2d7e90';

describe('azure config', () => {
  it('has docker-machine-like defaults with modern choices and no secret', () => {
    expect(azureConfigFromFlags({ 'azure-subscription-id': SUB }, {})).toEqual({
      subscriptionId: SUB,
      resourceGroup: 'machine',
      location: 'westus2',
      size: 'Standard_B2s',
      vnet: 'machine-vnet',
      subnet: 'machine-subnet',
      subnetPrefix: '192.168.0.0/16',
      allowedCidrs: ['0.0.0.0/0'],
      openPorts: [],
      staticPublicIp: false,
      noPublicIp: false,
      usePrivateIp: false,
      sshUser: 'azureuser',
      diskSizeGb: 30,
      storageType: 'StandardSSD_LRS',
      acceleratedNetworking: false,
      tags: {},
      environment: 'AzurePublicCloud',
      stopMode: 'deallocate',
      enginePort: 2376,
    });
  });

  it('takes the subscription from AZURE_SUBSCRIPTION_ID and requires one', () => {
    expect(azureConfigFromFlags({}, { AZURE_SUBSCRIPTION_ID: SUB.toUpperCase() }).subscriptionId).toBe(SUB);
    expect(() => azureConfigFromFlags({}, {})).toThrow('--azure-subscription-id is required');
    expect(() => azureConfigFromFlags({ 'azure-subscription-id': 'my-sub' }, {})).toThrow('must be a subscription id (a GUID)');
  });

  it.each(['azure-client-id', 'azure-client-secret'])('refuses --%s, pointing at DefaultAzureCredential instead', (flag) => {
    let caught: unknown;
    try {
      azureConfigFromFlags({ 'azure-subscription-id': SUB, [flag]: 'x' }, {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect(caught).toMatchObject({ message: `--${flag} is not accepted: machine never takes or stores cloud secrets` });
    expect((caught as UsageError).suggestions.join('\n')).toMatch(/az login[\s\S]*AZURE_CLIENT_SECRET[\s\S]*managed identity/);
  });

  it.each([
    [{ 'azure-image': 'Canonical:ubuntu' }, /image URN publisher:offer:sku:version/],
    [{ 'azure-plan': 'bitnami:nginx' }, /publisher:product:name/],
    [{ 'azure-subnet-prefix': '10.0.0.0/33' }, /IPv4 CIDR/],
    [{ 'azure-private-ip-address': '10.9.9.9' }, /not inside the subnet prefix 192.168.0.0\/16/],
    [{ 'azure-no-public-ip': true, 'azure-static-public-ip': true }, /exclude each other/],
    [{ 'azure-no-public-ip': true, 'azure-dns': 'web1' }, /labels the public IP/],
    [{ 'azure-zone': '4', 'azure-static-public-ip': true }, /zone number: 1, 2 or 3/],
    [{ 'azure-zone': '1', 'azure-static-public-ip': true, 'azure-availability-set': 'a' }, /exclude each other/],
    [{ 'azure-dns': 'Web_1' }, /a DNS label/],
    [{ 'azure-ssh-user': 'admin' }, /login name Azure accepts/],
    [{ 'azure-tags': 'a,b,c' }, /key,value pairs/],
    [{ 'azure-tags': 'machine:name,x' }, /reserved prefix/],
    [{ 'azure-tags': 'a/b,x' }, /not a valid Azure tag name/],
    [{ 'azure-endpoint': 'http://127.0.0.1:8443' }, /https URL/],
    [{ 'azure-environment': 'AzureGermanCloud' }, /must be one of AzurePublicCloud, AzureChinaCloud, AzureUSGovernment/],
    [{ 'azure-resource-group': 'bad.' }, /resource group name/],
    [{ 'azure-open-port': ['70000'] }, /PORT or PORT\/tcp/],
  ])('refuses %j', (flags, message) => {
    expect(() => azureConfigFromFlags({ 'azure-subscription-id': SUB, ...flags }, {})).toThrow(message);
  });

  it('reads a stored config back through the registry, and refuses one that does not fit', () => {
    const azure = findDriver('az');
    const stored = azure.configFromFlags({ 'azure-subscription-id': SUB, 'azure-tags': 'team,e2e' });
    expect(azure.enginePort(stored)).toBe(2376);
    expect(() => azure.enginePort({ ...stored, stopMode: 3 })).toThrow(/stored azure driver config does not fit.*stopMode should be string/);
  });

  it('finds the Resource Manager endpoint, authority and scope of each cloud, and of a custom endpoint', () => {
    expect(cloudEndpoints('AzurePublicCloud', undefined, {})).toEqual({ resourceManager: 'https://management.azure.com', authorityHost: 'https://login.microsoftonline.com', scope: 'https://management.azure.com/.default', knownAuthority: true });
    expect(cloudEndpoints('AzureChinaCloud', undefined, {})).toMatchObject({ resourceManager: 'https://management.chinacloudapi.cn', authorityHost: 'https://login.chinacloudapi.cn', knownAuthority: true });
    expect(cloudEndpoints('AzurePublicCloud', 'https://127.0.0.1:9443', { AZURE_AUTHORITY_HOST: 'https://127.0.0.1:9444/' })).toEqual({ resourceManager: 'https://127.0.0.1:9443', authorityHost: 'https://127.0.0.1:9444', scope: 'https://127.0.0.1:9443/.default', knownAuthority: false });
  });
});
