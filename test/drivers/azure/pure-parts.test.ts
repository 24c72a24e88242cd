import { armError, azureFailure } from '../../../drivers/azure/sdk-errors';
import { resourceOf } from '../../../drivers/azure/sdk-debug';
import { pickUbuntuLtsOffer, ubuntuSkuFor } from '../../../drivers/azure/image';
import { compareImageVersions, parseImageUrn } from '../../../drivers/azure/image-urn';
import { azureNameProblem, resourceNames } from '../../../drivers/azure/names';
import { mergedRules, missingRules, wantedRules } from '../../../drivers/azure/nsg-rules';
import { hostKeysFromConsole as hostKeysFromSerialLog } from '../../../src/ssh/console-host-keys';
import { machineStateOf } from '../../../drivers/azure/state-map';

describe('azure driver parts', () => {
  it('maps the instance view to machine states, provisioning first', () => {
    expect(machineStateOf(undefined)).toBe('NotFound');
    expect(machineStateOf({ provisioning: 'succeeded', power: 'running' })).toBe('Running');
    expect(machineStateOf({ provisioning: 'succeeded', power: 'deallocated' })).toBe('Stopped');
    expect(machineStateOf({ provisioning: 'succeeded', power: 'stopped' })).toBe('Stopped');
    expect(machineStateOf({ provisioning: 'updating', power: 'deallocating' })).toBe('Stopping');
    expect(machineStateOf({ provisioning: 'updating', power: 'starting' })).toBe('Starting');
    expect(machineStateOf({ provisioning: 'creating' })).toBe('Starting');
    expect(machineStateOf({ provisioning: 'failed', power: 'running' })).toBe('Error');
    expect(machineStateOf({ provisioning: 'deleting', power: 'running' })).toBe('Stopping');
    expect(machineStateOf({ provisioning: 'succeeded' })).toBe('Unknown');
  });

  it('opens no engine port when the engine is reached through SSH only', () => {
    const wanted = wantedRules({ allowedCidrs: ['10.0.0.0/8'], openPorts: [{ port: 80, protocol: 'tcp' }], enginePort: 2376 }, false);
    expect(wanted.map((r) => `${r.name}:${r.port}`)).toEqual(['machine-ssh:22', 'machine-open-80-tcp:80']);
  });

  it('opens SSH, the engine and extra ports once each, and adds only what a group lacks after its rules', () => {
    const wanted = wantedRules({ allowedCidrs: ['0.0.0.0/0', '10.0.0.0/8'], openPorts: [{ port: 2376, protocol: 'tcp' }, { port: 80, protocol: 'tcp' }], enginePort: 2376 });
    expect(wanted.map((r) => `${r.name}:${r.port}:${r.sources.join(',')}:${r.priority}`)).toEqual(['machine-ssh:22:*:1000', 'machine-engine:2376:*:1010', 'machine-open-80-tcp:80:*:1020']);
    const present = [{ name: 'ssh', protocol: 'Tcp' as const, port: 22, sources: ['10.0.0.0/8'], priority: 300, description: '' }];
    const missing = missingRules(present, wantedRules({ allowedCidrs: ['10.0.0.0/8'], openPorts: [], enginePort: 2376 }));
    expect(missing.map((r) => r.port)).toEqual([2376]);
    expect(mergedRules(present, missing).map((r) => `${r.name}@${r.priority}`)).toEqual(['ssh@300', 'machine-engine@1000']);
  });

  it('picks the newest even-year LTS offer and the sku for the size', () => {
    expect(pickUbuntuLtsOffer(['ubuntu-22_04-lts', 'ubuntu-26_04-lts', 'ubuntu-25_04-lts', '0001-com-ubuntu-server-jammy'])).toBe('ubuntu-26_04-lts');
    expect(pickUbuntuLtsOffer(['0001-com-ubuntu-server-focal'])).toBeUndefined();
    const sku = { name: 's', zones: [], restrictedZones: [], hyperVGenerations: ['V1'], acceleratedNetworking: false };
    expect(ubuntuSkuFor(sku)).toBe('server-gen1');
    expect(ubuntuSkuFor({ ...sku, hyperVGenerations: ['V1', 'V2'] })).toBe('server');
    expect(ubuntuSkuFor({ ...sku, architecture: 'Arm64' })).toBe('server-arm64');
    expect(['24.04.202501150', '24.04.202409010', '24.04.9'].sort(compareImageVersions)).toEqual(['24.04.9', '24.04.202409010', '24.04.202501150']);
    expect(parseImageUrn('Canonical:ubuntu-24_04-lts:server:LATEST').version).toBe('latest');
  });

  it('derives names and refuses machine names Azure cannot take', () => {
    expect(resourceNames('web.1', {})).toEqual({ vm: 'web.1', computerName: 'web-1', nic: 'web.1-nic', publicIp: 'web.1-ip', nsg: 'web.1-nsg', osDisk: 'web.1-osdisk' });
    expect(resourceNames('web1', { nsg: 'shared' }).nsg).toBe('shared');
    expect(azureNameProblem('dev1')).toBeUndefined();
    expect(azureNameProblem('dev-')).toMatch(/ends in "-"/);
    expect(azureNameProblem('1234')).toMatch(/all digits/);
  });

  it('reads the latest fingerprint block of the serial log', () => {
    const a = `SHA256:${'a'.repeat(43)}`;
    const b = `SHA256:${'b'.repeat(43)}`;
    const block = (fp: string) => `-----BEGIN SSH HOST KEY FINGERPRINTS-----\n256 ${fp} root@h (ED25519)\n3072 ${fp} root@h (RSA)\n-----END SSH HOST KEY FINGERPRINTS-----\n`;
    expect(hostKeysFromSerialLog(`${block(a)}reboot\n${block(b)}`)).toEqual({ fingerprints: [b], finished: false });
    expect(hostKeysFromSerialLog('-----BEGIN SSH HOST KEY FINGERPRINTS-----\n256 SHA256:cut')).toEqual({ fingerprints: [], finished: false });
  });

  it('reads Azure error codes from SDK failures and names the step', () => {
    const rest = Object.assign(new Error('The subscription is not registered.'), { name: 'RestError', code: 'MissingSubscriptionRegistration', statusCode: 409 });
    expect(armError(rest)).toEqual({ code: 'MissingSubscriptionRegistration', message: 'The subscription is not registered.', statusCode: 409 });
    expect(armError(new Error('The long-running operation has failed. OSProvisioningTimedOut. OS Provisioning did not finish.'))).toEqual({ code: 'OSProvisioningTimedOut', message: 'OS Provisioning did not finish.' });
    const failure = azureFailure('create VM dev1', Object.assign(new Error('Allocation failed.'), { code: 'AllocationFailed', statusCode: 409 }));
    expect(failure).toMatchObject({ code: 'AZURE_ALLOCATIONFAILED', message: 'Azure create VM dev1 failed: AllocationFailed: Allocation failed.' });
    expect(failure.suggestions[0]).toMatch(/another size/);
    expect(azureFailure('read resource provider Microsoft.Compute', Object.assign(new Error('no credential'), { name: 'CredentialUnavailableError' }))).toMatchObject({
      message: 'Azure read resource provider Microsoft.Compute failed: no Azure credential was found',
      suggestions: [expect.stringMatching(/az login/), expect.any(String), expect.any(String)],
    });
  });

  it('names the resource of a Resource Manager URL for debug lines, without the query', () => {
    expect(resourceOf('https://management.azure.com/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/networkInterfaces/dev1-nic?api-version=2025-05-01')).toBe('networkInterfaces/dev1-nic');
    expect(resourceOf('https://management.azure.com/subscriptions/s/resourcegroups/g?api-version=2025-04-01')).toBe('resourcegroups/g');
    expect(resourceOf('https://x.blob.core.windows.net/bootdiag/dev1.serialconsole.log?sv=1&sig=secret')).toBe('dev1.serialconsole.log');
  });
});
