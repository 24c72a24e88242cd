import { AzureDriver } from '../../../drivers/azure/azure-driver';
import { azureConfigFromFlags } from '../../../drivers/azure/config';
import type { ResourceRecord } from '../../../src/core/machine-record';
import { FakeAzurePort } from './fake-port';

const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRlc3RrZXl0ZXN0a2V5dGVzdGtleXRlc3RrZXk= machine';
const config = azureConfigFromFlags({ 'azure-subscription-id': '00000000-0000-0000-0000-000000000001' }, {});

/** A machine made through the driver against the port's fake, then the driver as later commands load it. */
async function createdMachine(azure: FakeAzurePort, name: string): Promise<AzureDriver> {
  const state: Record<string, unknown> = {};
  const resources: ResourceRecord[] = [];
  const env = { machineName: name, machineDir: `/store/machines/${name}`, sshKeyPath: `/store/machines/${name}/id_ed25519`, storePath: '/store', config, state, resources };
  const driver = new AzureDriver(env, azure, { hostKeyPollMs: 1, hostKeyTimeoutMs: 20 });
  await driver.create({ journal: async (r) => void resources.push(r), remember: async (s) => void Object.assign(state, s), progress: () => undefined, signal: new AbortController().signal, sshPublicKey: PUBLIC_KEY });
  return new AzureDriver({ ...env, state: { ...state }, resources: [...resources] }, azure);
}

describe('azure swarm rules', () => {
  it('opens 2377/tcp, 7946/tcp+udp and 4789/udp from the machines\' subnet only, once, after the rules there; closes them', async () => {
    const azure = new FakeAzurePort();
    const m1 = await createdMachine(azure, 'm1');
    const nsg = await azure.getNsg(config.resourceGroup, 'm1-nsg');
    const before = nsg?.rules ?? [];
    expect(before.length).toBeGreaterThan(0);

    expect(await m1.openSwarmPorts()).toEqual(['opened swarm ports 2377/tcp, 7946/tcp, 7946/udp, 4789/udp in network security group m1-nsg']);
    const after = (await azure.getNsg(config.resourceGroup, 'm1-nsg'))?.rules ?? [];
    const added = after.filter((r) => r.name.startsWith('machine-swarm-'));
    expect(added.map((r) => [r.protocol, r.port, r.sources])).toEqual([
      ['Tcp', 2377, [config.subnetPrefix]],
      ['Tcp', 7946, [config.subnetPrefix]],
      ['Udp', 7946, [config.subnetPrefix]],
      ['Udp', 4789, [config.subnetPrefix]],
    ]);
    const highest = Math.max(...before.map((r) => r.priority));
    for (const rule of added) expect(rule.priority).toBeGreaterThan(highest);
    expect(new Set(after.map((r) => r.priority)).size).toBe(after.length);
    expect(await m1.openSwarmPorts()).toEqual([]);

    expect(await m1.closeSwarmPorts()).toEqual(['closed the swarm ports in network security group m1-nsg']);
    expect((await azure.getNsg(config.resourceGroup, 'm1-nsg'))?.rules).toEqual(before);
    expect(await m1.closeSwarmPorts()).toEqual([]);
  });

  it('never changes a group the user made, and the cluster address is the private one', async () => {
    const azure = new FakeAzurePort();
    const m1 = await createdMachine(azure, 'm1');
    const nsg = await azure.getNsg(config.resourceGroup, 'm1-nsg');
    for (const key of Object.keys(nsg?.tags ?? {})) delete nsg?.tags[key];
    expect(await m1.openSwarmPorts()).toEqual([expect.stringMatching(/is not machine's: open 2377\/tcp, 7946\/tcp, 7946\/udp, 4789\/udp from the machines' subnet/)]);
    expect(await m1.closeSwarmPorts()).toEqual([]);
    const nic = await azure.getNic(config.resourceGroup, 'm1-nic');
    expect(await m1.clusterAddress()).toBe(nic?.privateIp);
    expect(nic?.privateIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });
});
