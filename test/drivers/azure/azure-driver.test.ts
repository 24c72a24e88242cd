import { makeTempDir } from '../../helpers/tmp-store';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AzureDriver } from '../../../drivers/azure/azure-driver';
import { type AzureConfig, azureConfigFromFlags } from '../../../drivers/azure/config';
import type { CreateContext } from '../../../src/core/driver';
import { OperationError, PreCreateCheckError } from '../../../src/core/errors';
import type { ResourceRecord } from '../../../src/core/machine-record';
import { rejectionOf } from '../../helpers/rejection';
import { FakeAzurePort } from './fake-port';

const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRlc3RrZXl0ZXN0a2V5dGVzdGtleXRlc3RrZXk= machine';
const SUBSCRIPTION = '00000000-0000-0000-0000-000000000001';

interface Run {
  driver: AzureDriver;
  ctx: CreateContext;
  journal: ResourceRecord[];
  state: Record<string, unknown>;
  progress: string[];
  abort: AbortController;
  config: AzureConfig;
}

function configOf(flags: Record<string, unknown> = {}): AzureConfig {
  return azureConfigFromFlags({ 'azure-subscription-id': SUBSCRIPTION, ...flags }, {});
}

function setup(azure: FakeAzurePort, flags: Record<string, unknown> = {}, name = 'dev1'): Run {
  const journal: ResourceRecord[] = [];
  const state: Record<string, unknown> = {};
  const progress: string[] = [];
  const abort = new AbortController();
  const config = configOf(flags);
  const driver = new AzureDriver({ machineName: name, machineDir: `/store/machines/${name}`, sshKeyPath: `/store/machines/${name}/id_ed25519`, storePath: '/store', config, state, resources: journal }, azure, { hostKeyPollMs: 1, hostKeyTimeoutMs: 50 });
  const ctx: CreateContext = {
    journal: async (r) => {
      journal.push(r);
    },
    remember: async (s) => {
      Object.assign(state, s);
    },
    progress: (m) => progress.push(m),
    signal: abort.signal,
    sshPublicKey: PUBLIC_KEY,
  };
  return { driver, ctx, journal, state, progress, abort, config };
}

/** The driver as a later command loads it: from what create persisted. */
function reload(azure: FakeAzurePort, run: Run, name = 'dev1'): AzureDriver {
  return new AzureDriver({ machineName: name, machineDir: `/m/${name}`, sshKeyPath: `/m/${name}/id_ed25519`, storePath: '/s', config: run.config, state: { ...run.state }, resources: [...run.journal] }, azure);
}

const mutating = (azure: FakeAzurePort) => azure.calls.filter((c) => /createOrUpdate|CreateOrUpdate|^delete |beginStart|beginDeallocate|beginPowerOff|beginRestart/.test(c));
const nothingLeft = (azure: FakeAzurePort) => ({ groups: azure.groups.size, vnets: azure.vnets.size, nsgs: azure.nsgs.size, ips: azure.publicIps.size, nics: azure.nics.size, vms: azure.vms.size, disks: azure.disks.size });
const EMPTY = { groups: 0, vnets: 0, nsgs: 0, ips: 0, nics: 0, vms: 0, disks: 0 };

describe('azure driver: create', () => {
  it('makes group, network, security group, address, interface and VM, journaling each id as Azure accepts it', async () => {
    const azure = new FakeAzurePort();
    const run = setup(azure, { 'azure-tags': 'team,infra' });
    await run.driver.preCreateCheck();
    const result = await run.driver.create(run.ctx);

    expect(run.journal.map((r) => r.kind)).toEqual(['azure-resource-group', 'azure-vnet', 'azure-nsg', 'azure-public-ip', 'azure-nic', 'azure-vm', 'azure-disk']);
    expect(mutating(azure)).toEqual([
      'resourceGroups.createOrUpdate',
      'virtualNetworks.beginCreateOrUpdate',
      'networkSecurityGroups.beginCreateOrUpdate',
      'publicIPAddresses.beginCreateOrUpdate',
      'networkInterfaces.beginCreateOrUpdate',
      'virtualMachines.beginCreateOrUpdate',
    ]);
    const base = `/subscriptions/${SUBSCRIPTION}/resourceGroups/machine`;
    expect(run.journal.map((r) => r.id)).toEqual([
      base,
      `${base}/providers/Microsoft.Network/virtualNetworks/machine-vnet`,
      `${base}/providers/Microsoft.Network/networkSecurityGroups/dev1-nsg`,
      `${base}/providers/Microsoft.Network/publicIPAddresses/dev1-ip`,
      `${base}/providers/Microsoft.Network/networkInterfaces/dev1-nic`,
      `${base}/providers/Microsoft.Compute/virtualMachines/dev1`,
      `${base}/providers/Microsoft.Compute/disks/dev1-osdisk`,
    ]);
    expect(run.journal[4]?.attributes).toEqual({ resourceGroup: 'machine', name: 'dev1-nic' });

    const vm = azure.vms.get('machine/dev1')?.spec;
    expect(vm).toEqual({
      location: 'westus2',
      tags: { team: 'infra', 'machine:name': 'dev1' },
      size: 'Standard_B2s',
      // `latest` of the newest LTS offer, as a concrete version (the newest by number, not by listing order).
      image: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: '24.04.202501150' },
      osDisk: { name: 'dev1-osdisk', sizeGb: 30, storageType: 'StandardSSD_LRS' },
      computerName: 'dev1',
      adminUsername: 'azureuser',
      sshPublicKey: PUBLIC_KEY,
      nicId: `${base}/providers/Microsoft.Network/networkInterfaces/dev1-nic`,
    });
    expect(run.state).toEqual({ vmName: 'dev1', nicName: 'dev1-nic', nsgName: 'dev1-nsg', osDiskName: 'dev1-osdisk', publicIpName: 'dev1-ip', image: 'Canonical:ubuntu-24_04-lts:server:24.04.202501150' });

    expect(azure.groups.get('machine')?.tags).toEqual({ team: 'infra', 'machine:name': 'dev1', 'machine:managed': 'true' });
    expect(azure.nsgs.get('machine/dev1-nsg')?.rules.map((r) => `${r.name} ${r.protocol} ${r.port} from ${r.sources.join(',')} @${r.priority}`)).toEqual(['machine-ssh Tcp 22 from * @1000', 'machine-engine Tcp 2376 from * @1010']);
    expect(azure.publicIps.get('machine/dev1-ip')).toMatchObject({ sku: 'Standard', allocation: 'Static' });
    const nic = azure.nics.get('machine/dev1-nic');
    expect(nic).toMatchObject({ subnetId: `${base}/providers/Microsoft.Network/virtualNetworks/machine-vnet/subnets/machine-subnet`, nsgId: `${base}/providers/Microsoft.Network/networkSecurityGroups/dev1-nsg`, publicIpId: `${base}/providers/Microsoft.Network/publicIPAddresses/dev1-ip`, acceleratedNetworking: false });

    const address = azure.publicIps.get('machine/dev1-ip')?.ipAddress;
    expect(result).toEqual({ ip: address, ssh: { host: address, port: 22, user: 'azureuser', keyPath: '/store/machines/dev1/id_ed25519' }, addresses: [address, '10.0.0.4'] });
  });

  it('builds the VM from every flag: zone, static address with DNS label, private address, plan, custom data, disk, availability set', async () => {
    const dir = await makeTempDir('azure-cd-');
    const customData = path.join(dir, 'init.yaml');
    await fs.writeFile(customData, '#cloud-config\nruncmd: [touch /made-by-custom-data]\n');
    const azure = new FakeAzurePort();
    const run = setup(azure, {
      'azure-size': 'Standard_D2s_v5',
      'azure-image': 'bitnami:nginx:1-25:latest',
      'azure-static-public-ip': true,
      'azure-dns': 'dev1-web',
      'azure-zone': '1',
      'azure-private-ip-address': '192.168.4.20',
      'azure-disk-size': 64,
      'azure-storage-type': 'Premium_LRS',
      'azure-accelerated-networking': true,
      'azure-custom-data': customData,
      'azure-ssh-user': 'ops',
      'azure-open-port': ['8080', '53/udp'],
      'azure-allowed-cidr': ['203.0.113.0/24', '198.51.100.7/32'],
    });
    await run.driver.preCreateCheck();
    const result = await run.driver.create(run.ctx);
    const vm = azure.vms.get('machine/dev1')?.spec;
    expect(vm).toMatchObject({
      size: 'Standard_D2s_v5',
      image: { publisher: 'bitnami', offer: 'nginx', sku: '1-25', version: '1.25.1' },
      plan: { publisher: 'bitnami', product: 'nginx', name: '1-25' },
      osDisk: { name: 'dev1-osdisk', sizeGb: 64, storageType: 'Premium_LRS' },
      adminUsername: 'ops',
      customData: '#cloud-config\nruncmd: [touch /made-by-custom-data]\n',
      zone: '1',
    });
    expect(azure.publicIps.get('machine/dev1-ip')).toMatchObject({ sku: 'Standard', allocation: 'Static', dnsLabel: 'dev1-web', zones: ['1'] });
    expect(azure.nics.get('machine/dev1-nic')).toMatchObject({ privateIpAddress: '192.168.4.20', acceleratedNetworking: true });
    expect(azure.nsgs.get('machine/dev1-nsg')?.rules.map((r) => `${r.protocol} ${r.port} from ${r.sources.join(',')}`)).toEqual([
      'Tcp 22 from 203.0.113.0/24,198.51.100.7/32',
      'Tcp 2376 from 203.0.113.0/24,198.51.100.7/32',
      'Tcp 8080 from 203.0.113.0/24,198.51.100.7/32',
      'Udp 53 from 203.0.113.0/24,198.51.100.7/32',
    ]);
    expect(result.addresses).toEqual([expect.stringMatching(/^203\.0\.113\./), 'dev1-web.westus2.cloudapp.azure.com', '192.168.4.20']);

    const avset = setup(new FakeAzurePort(), { 'azure-availability-set': 'web' });
    await avset.driver.create(avset.ctx);
    expect(avset.journal.map((r) => r.kind)).toContain('azure-availability-set');
  });

  it('reaches the machine on its private address without a public one', async () => {
    const azure = new FakeAzurePort();
    const run = setup(azure, { 'azure-no-public-ip': true });
    const result = await run.driver.create(run.ctx);
    expect(azure.publicIps.size).toBe(0);
    expect(azure.nics.get('machine/dev1-nic')?.publicIpId).toBeUndefined();
    expect(result.ip).toBe('10.0.0.4');
    expect(run.journal.map((r) => r.kind)).not.toContain('azure-public-ip');
  });

  it('uses an existing group and network as they are, and journals only the subnet it adds', async () => {
    const azure = new FakeAzurePort();
    azure.groups.set('shared', { location: 'westus2', tags: {} });
    azure.vnets.set('shared/corp', { location: 'westus2', tags: {}, subnets: new Map([['apps', '10.1.0.0/24']]) });
    const run = setup(azure, { 'azure-resource-group': 'shared', 'azure-vnet': 'corp', 'azure-subnet': 'machines', 'azure-subnet-prefix': '10.1.8.0/24' });
    await run.driver.create(run.ctx);
    expect(run.journal.map((r) => r.kind)).toEqual(['azure-subnet', 'azure-nsg', 'azure-public-ip', 'azure-nic', 'azure-vm', 'azure-disk']);
    expect(run.journal[0]?.attributes).toEqual({ resourceGroup: 'shared', name: 'machines', parent: 'corp' });
    expect([...(azure.vnets.get('shared/corp')?.subnets ?? [])]).toEqual([['apps', '10.1.0.0/24'], ['machines', '10.1.8.0/24']]);

    await reload(azure, run).remove();
    expect([...(azure.vnets.get('shared/corp')?.subnets.keys() ?? [])]).toEqual(['apps']);
    expect(azure.groups.has('shared')).toBe(true);
  });

  it('adds missing rules to a security group it made, and never touches one the user made', async () => {
    const azure = new FakeAzurePort();
    azure.groups.set('machine', { location: 'westus2', tags: {} });
    azure.nsgs.set('machine/ours', { tags: { 'machine:managed': 'true' }, rules: [{ name: 'machine-ssh', protocol: 'Tcp', port: 22, sources: ['*'], priority: 1000, description: '' }] });
    const ours = setup(azure, { 'azure-nsg': 'ours' });
    await ours.driver.create(ours.ctx);
    expect(azure.nsgs.get('machine/ours')?.rules.map((r) => `${r.port}@${r.priority}`)).toEqual(['22@1000', '2376@1010']);
    expect(ours.journal.map((r) => r.kind)).not.toContain('azure-nsg');

    const theirs = new FakeAzurePort();
    theirs.groups.set('machine', { location: 'westus2', tags: {} });
    theirs.nsgs.set('machine/web', { tags: {}, rules: [] });
    const run = setup(theirs, { 'azure-nsg': 'web' });
    await run.driver.create(run.ctx);
    expect(theirs.calls).not.toContain('networkSecurityGroups.beginCreateOrUpdate');
    expect(run.progress.join('\n')).toMatch(/network security group web is not ours and does not open 22\/tcp, 2376\/tcp/);
  });

  it('stops between steps when interrupted: what was accepted is journaled, nothing after it is made', async () => {
    const azure = new FakeAzurePort();
    const run = setup(azure);
    const journal = run.ctx.journal;
    run.ctx.journal = async (r) => {
      await journal(r);
      if (r.kind === 'azure-nsg') run.abort.abort();
    };
    expect(await rejectionOf(run.driver.create(run.ctx), OperationError)).toMatchObject({ code: 'INTERRUPTED' });
    expect(run.journal.map((r) => r.kind)).toEqual(['azure-resource-group', 'azure-vnet', 'azure-nsg']);
    expect(azure.calls).not.toContain('publicIPAddresses.beginCreateOrUpdate');

    await reload(azure, run).remove();
    expect(nothingLeft(azure)).toEqual(EMPTY);
  });

  it('an interrupt while the VM provisions ends the wait, with the VM and its disk journaled', async () => {
    const azure = new FakeAzurePort();
    const run = setup(azure);
    azure.duringVmWait = () => run.abort.abort();
    const err = await rejectionOf(run.driver.create(run.ctx), OperationError);
    expect(err).toMatchObject({ code: 'INTERRUPTED', message: 'interrupted while waiting for VM dev1 to be provisioned' });
    expect(run.journal.slice(-2).map((r) => r.kind)).toEqual(['azure-vm', 'azure-disk']);

    azure.calls.length = 0;
    await reload(azure, run).remove();
    expect(mutating(azure)).toEqual([
      'delete azure-vm dev1',
      'delete azure-disk dev1-osdisk',
      'delete azure-nic dev1-nic',
      'delete azure-public-ip dev1-ip',
      'delete azure-nsg dev1-nsg',
      'delete azure-vnet machine-vnet',
      'delete azure-resource-group machine',
    ]);
    expect(nothingLeft(azure)).toEqual(EMPTY);
  });
});

describe('azure driver: rollback and rm', () => {
  it.each([
    ['virtualNetworks.beginCreateOrUpdate', ['azure-resource-group']],
    ['networkSecurityGroups.beginCreateOrUpdate', ['azure-resource-group', 'azure-vnet']],
    ['publicIPAddresses.beginCreateOrUpdate', ['azure-resource-group', 'azure-vnet', 'azure-nsg']],
    ['networkInterfaces.beginCreateOrUpdate', ['azure-resource-group', 'azure-vnet', 'azure-nsg', 'azure-public-ip']],
    ['virtualMachines.beginCreateOrUpdate', ['azure-resource-group', 'azure-vnet', 'azure-nsg', 'azure-public-ip', 'azure-nic']],
  ])('a PUT of %s refused: what came before is journaled, and removing it leaves nothing', async (operation, journaled) => {
    const azure = new FakeAzurePort();
    azure.failures.set(operation, new Error('Conflict'));
    const run = setup(azure);
    await expect(run.driver.create(run.ctx)).rejects.toThrow('Conflict');
    expect(run.journal.map((r) => r.kind)).toEqual(journaled);
    await reload(azure, run).remove();
    expect(nothingLeft(azure)).toEqual(EMPTY);
  });

  it('a VM that failed provisioning after Azure accepted it is journaled with its disk and removed before the interface', async () => {
    const azure = new FakeAzurePort();
    azure.lroFailures.set('virtualMachines.beginCreateOrUpdate', new Error('OSProvisioningTimedOut'));
    const run = setup(azure);
    await expect(run.driver.create(run.ctx)).rejects.toThrow('OSProvisioningTimedOut');
    azure.calls.length = 0;
    const notes = await reload(azure, run).remove();
    expect(mutating(azure).slice(0, 3)).toEqual(['delete azure-vm dev1', 'delete azure-disk dev1-osdisk', 'delete azure-nic dev1-nic']);
    expect(notes).toEqual(['deleted VM dev1, disk dev1-osdisk, network interface dev1-nic, public IP dev1-ip, network security group dev1-nsg, virtual network machine-vnet, resource group machine']);
  });

  it('rm of a machine whose VM was deleted elsewhere says so and removes the rest', async () => {
    const azure = new FakeAzurePort();
    const run = setup(azure);
    await run.driver.create(run.ctx);
    azure.vms.clear();
    const notes = await reload(azure, run).remove();
    expect(notes).toEqual(['deleted disk dev1-osdisk, network interface dev1-nic, public IP dev1-ip, network security group dev1-nsg, virtual network machine-vnet, resource group machine', 'VM dev1 was already gone (deleted outside machine)']);
    expect(nothingLeft(azure)).toEqual(EMPTY);
    // Twice is the same as once: everything is gone, nothing fails.
    await reload(azure, run).remove();
  });

  it('keeps the shared network and group while another machine uses them; the last machine takes them along', async () => {
    const azure = new FakeAzurePort();
    const first = setup(azure, {}, 'one');
    await first.driver.create(first.ctx);
    const second = setup(azure, {}, 'two');
    await second.driver.create(second.ctx);
    expect(second.journal.map((r) => r.kind)).toEqual(['azure-nsg', 'azure-public-ip', 'azure-nic', 'azure-vm', 'azure-disk']);

    const notes = await reload(azure, first, 'one').remove();
    expect(notes.slice(1)).toEqual([expect.stringMatching(/^kept virtual network machine-vnet: subnet\(s\) machine-subnet still hold/), expect.stringMatching(/^kept resource group machine: still holds \d+ resource\(s\): /)]);
    expect(azure.vnets.size).toBe(1);

    await reload(azure, second, 'two').remove();
    expect(nothingLeft(azure)).toEqual(EMPTY);
  });
});

describe('azure driver: pre-create check (changes nothing, exit 3)', () => {
  const refusal = async (azure: FakeAzurePort, flags: Record<string, unknown> = {}, name = 'dev1') => {
    const err = await rejectionOf(setup(azure, flags, name).driver.preCreateCheck(), PreCreateCheckError);
    expect(mutating(azure)).toEqual([]);
    return err.message;
  };

  it('refuses an unregistered provider, a location without VMs, and sizes the subscription cannot have', async () => {
    const unregistered = new FakeAzurePort();
    unregistered.providers['Microsoft.Network'] = 'NotRegistered';
    expect(await refusal(unregistered)).toBe(`the resource provider Microsoft.Network is notregistered in subscription ${SUBSCRIPTION}`);
    expect(await refusal(new FakeAzurePort(), { 'azure-location': 'mars1' })).toMatch(/location mars1 does not offer virtual machines/);
    expect(await refusal(new FakeAzurePort(), { 'azure-size': 'Standard_X99' })).toBe('VM size Standard_X99 does not exist in westus2');
    expect(await refusal(new FakeAzurePort(), { 'azure-size': 'Standard_NC6' })).toBe('VM size Standard_NC6 is not available to this subscription in westus2 (NotAvailableForSubscription)');
    expect(await refusal(new FakeAzurePort(), { 'azure-size': 'Standard_D2s_v5', 'azure-zone': '2', 'azure-static-public-ip': true })).toBe('VM size Standard_D2s_v5 is not available in zone 2 of westus2');
    expect(await refusal(new FakeAzurePort(), { 'azure-accelerated-networking': true })).toBe('VM size Standard_B2s does not offer accelerated networking');
  });

  it('resolves the image for the size, and refuses one that does not exist or does not run there', async () => {
    const arm = new FakeAzurePort();
    const run = setup(arm, { 'azure-size': 'Standard_D2ps_v5' });
    await run.driver.preCreateCheck();
    await run.driver.create(run.ctx);
    expect(arm.vms.get('machine/dev1')?.spec.image).toEqual({ publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server-arm64', version: '24.04.202501150' });

    expect(await refusal(new FakeAzurePort(), { 'azure-image': 'Canonical:ubuntu-24_04-lts:server:1.0.0' })).toBe('image Canonical:ubuntu-24_04-lts:server:1.0.0 does not exist in westus2');
    expect(await refusal(new FakeAzurePort(), { 'azure-image': 'Canonical:nope:server:latest' })).toBe('image Canonical:nope:server:latest has no version in westus2');
    expect(await refusal(new FakeAzurePort(), { 'azure-size': 'Standard_D2ps_v5', 'azure-image': 'Canonical:ubuntu-24_04-lts:server:latest' })).toBe('image Canonical:ubuntu-24_04-lts:server:24.04.202501150 is x64, but Standard_D2ps_v5 runs Arm64');
    const noLts = new FakeAzurePort();
    noLts.offers = { Canonical: ['ubuntu-25_04'] };
    expect(await refusal(noLts)).toBe('no Ubuntu LTS image of Canonical found in westus2');
  });

  it('refuses a machine name Azure cannot use, or whose resources already exist', async () => {
    expect(await refusal(new FakeAzurePort(), {}, 'web.')).toMatch(/ends in "\."/);
    expect(await refusal(new FakeAzurePort(), {}, 'x'.repeat(65))).toMatch(/longer than the 64 characters/);
    const leftovers = new FakeAzurePort();
    leftovers.groups.set('machine', { location: 'westus2', tags: {} });
    leftovers.disks.add('machine/dev1-osdisk');
    leftovers.nsgs.set('machine/dev1-nsg', { tags: {}, rules: [] });
    expect(await refusal(leftovers)).toBe('resource group machine already has disk dev1-osdisk, network security group dev1-nsg');
  });

  it('refuses custom data it cannot read or Azure would not take, and a static address outside an existing subnet', async () => {
    expect(await refusal(new FakeAzurePort(), { 'azure-custom-data': '/nonexistent/custom-data' })).toMatch(/--azure-custom-data \/nonexistent\/custom-data cannot be read: ENOENT/);
    const dir = await makeTempDir('azure-cd-');
    await fs.writeFile(path.join(dir, 'big'), 'x'.repeat(70_000));
    expect(await refusal(new FakeAzurePort(), { 'azure-custom-data': path.join(dir, 'big') })).toMatch(/larger than Azure's 64 KiB limit/);
    const existing = new FakeAzurePort();
    existing.vnets.set('machine/machine-vnet', { location: 'westus2', tags: {}, subnets: new Map([['machine-subnet', '192.168.1.0/24']]) });
    expect(await refusal(existing, { 'azure-private-ip-address': '192.168.7.7' })).toBe('--azure-private-ip-address 192.168.7.7 is not inside subnet machine-subnet (192.168.1.0/24)');
  });
});

describe('azure driver: lifecycle, state, address, host keys', () => {
  it('stop deallocates unless told to power off; kill skips the shutdown; start and restart ask once', async () => {
    const azure = new FakeAzurePort();
    const run = setup(azure);
    await run.driver.create(run.ctx);
    const driver = reload(azure, run);
    azure.calls.length = 0;
    await driver.stop();
    await driver.start();
    await driver.kill();
    await driver.restart();
    const powerOff = setup(azure, { 'azure-stop-mode': 'poweroff' });
    await new AzureDriver({ machineName: 'dev1', machineDir: '/m', sshKeyPath: '/k', storePath: '/s', config: powerOff.config, state: { ...run.state }, resources: [] }, azure).stop();
    expect(mutating(azure)).toEqual(['virtualMachines.beginDeallocate', 'virtualMachines.beginStart', 'virtualMachines.beginPowerOff(skipShutdown)', 'virtualMachines.beginRestart', 'virtualMachines.beginPowerOff']);
  });

  it('reads the state from the instance view, NotFound once the VM is gone or was never made', async () => {
    const azure = new FakeAzurePort();
    const run = setup(azure);
    expect(await run.driver.state()).toBe('NotFound');
    await run.driver.create(run.ctx);
    const driver = reload(azure, run);
    expect(await driver.state()).toBe('Running');
    azure.setPower('machine', 'dev1', 'deallocated');
    expect(await driver.state()).toBe('Stopped');
    azure.vms.clear();
    expect(await driver.state()).toBe('NotFound');
  });

  it('answers the address of the moment, and explains a deallocated VM without a dynamic address', async () => {
    const azure = new FakeAzurePort();
    const run = setup(azure);
    await run.driver.create(run.ctx);
    const driver = reload(azure, run);
    const ip = azure.publicIps.get('machine/dev1-ip');
    if (ip) ip.ipAddress = '198.51.100.200';
    expect(await driver.ip()).toBe('198.51.100.200');
    expect(await driver.sshEndpoint()).toEqual({ host: '198.51.100.200', port: 22, user: 'azureuser', keyPath: '/m/dev1/id_ed25519' });
    if (ip) delete ip.ipAddress;
    expect(await rejectionOf(driver.ip(), OperationError)).toMatchObject({ code: 'AZURE_NO_ADDRESS', message: 'VM dev1 has no public address (a dynamic one is assigned only while it runs)' });
  });

  it('takes the host key fingerprints from the serial log, and none when cloud-init finished without them', async () => {
    const azure = new FakeAzurePort();
    const run = setup(azure);
    await run.driver.create(run.ctx);
    const fp = `SHA256:${'A'.repeat(43)}`;
    azure.serialLogText = `boot\n-----BEGIN SSH HOST KEY FINGERPRINTS-----\n256 ${fp} root@dev1 (ED25519)\n-----END SSH HOST KEY FINGERPRINTS-----\n`;
    expect(await run.driver.hostKeyFingerprints(new AbortController().signal)).toEqual([fp]);
    azure.serialLogText = 'Cloud-init v. 24.1 finished at Mon, 01 Jan 2025 00:00:00 +0000';
    expect(await run.driver.hostKeyFingerprints(new AbortController().signal)).toEqual([]);
    azure.serialLogText = '';
    expect(await run.driver.diagnose()).toBe('boot diagnostics have no serial log for the VM yet');
  });
});
