import type { ResourceRecord } from '../../../src/core/machine-record';
import { ec2ConfigFromFlags } from '../../../drivers/amazonec2/config';
import { Ec2Driver } from '../../../drivers/amazonec2/ec2-driver';
import { swarmRuleKeys } from '../../../drivers/amazonec2/swarm-rules';
import { FakeEc2Port } from './fake-port';

const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRlc3RrZXl0ZXN0a2V5dGVzdGtleXRlc3RrZXk= machine';

/** A machine made through the driver against the port's fake, then the driver as later commands load it. */
async function createdMachine(ec2: FakeEc2Port, name: string): Promise<Ec2Driver> {
  const state: Record<string, unknown> = {};
  const resources: ResourceRecord[] = [];
  const env = { machineName: name, machineDir: `/store/machines/${name}`, sshKeyPath: `/store/machines/${name}/id_ed25519`, storePath: '/store', config: ec2ConfigFromFlags({}, {}), state, resources };
  const driver = new Ec2Driver(env, ec2, { groupReleaseDelaysMs: [0, 0], hostKeyPollMs: 1, hostKeyTimeoutMs: 20 });
  await driver.create({ journal: async (r) => void resources.push(r), remember: async (s) => void Object.assign(state, s), progress: () => undefined, signal: new AbortController().signal, sshPublicKey: PUBLIC_KEY });
  return new Ec2Driver({ ...env, state: { ...state }, resources: [...resources] }, ec2, { groupReleaseDelaysMs: [0, 0] });
}

describe('amazonec2 swarm rules', () => {
  it('opens 2377/tcp, 7946/tcp+udp and 4789/udp with the group itself as source, once, and closes them', async () => {
    const ec2 = new FakeEc2Port();
    const m1 = await createdMachine(ec2, 'm1');
    const m2 = await createdMachine(ec2, 'm2');
    const [group] = [...ec2.groups.values()];
    const groupId = group?.groupId ?? '';
    const before = [...(group?.ingress ?? [])];

    expect(await m1.openSwarmPorts()).toEqual([expect.stringMatching(/^opened swarm ports 2377\/tcp, 7946\/tcp, 7946\/udp, 4789\/udp within security group sg-/)]);
    expect(ec2.groups.get(groupId)?.ingress).toEqual([...before, 'tcp:2377:' + groupId, 'tcp:7946:' + groupId, 'udp:7946:' + groupId, 'udp:4789:' + groupId]);
    // The second member shares the group: nothing more to add, and nothing open to any CIDR.
    const calls = ec2.calls.length;
    expect(await m2.openSwarmPorts()).toEqual([]);
    expect(ec2.calls.slice(calls).filter((c) => c.startsWith('Authorize'))).toEqual([]);
    expect(ec2.groups.get(groupId)?.ingress.filter((r) => /:(2377|7946|4789):/.test(r))).toEqual(swarmRuleKeys(groupId));

    expect(await m2.closeSwarmPorts()).toEqual([`closed the swarm ports within security group ${groupId}`]);
    expect(ec2.groups.get(groupId)?.ingress).toEqual(before);
    expect(await m1.closeSwarmPorts()).toEqual([]);
  });

  it('never changes a group the user made: it says what to open instead', async () => {
    const ec2 = new FakeEc2Port();
    const m1 = await createdMachine(ec2, 'm1');
    const [group] = [...ec2.groups.values()];
    if (group) group.tags = {};
    const before = [...(group?.ingress ?? [])];
    expect(await m1.openSwarmPorts()).toEqual([expect.stringMatching(/is not machine's: open 2377\/tcp, 7946\/tcp, 7946\/udp, 4789\/udp from the group itself/)]);
    expect(await m1.closeSwarmPorts()).toEqual([]);
    expect(group?.ingress).toEqual(before);
  });

  it('the cluster address is the private one', async () => {
    const ec2 = new FakeEc2Port();
    const m1 = await createdMachine(ec2, 'm1');
    const [instance] = [...ec2.instances.values()];
    expect(await m1.clusterAddress()).toBe(instance?.privateIp);
    expect(await m1.clusterAddress()).not.toBe(await m1.ip());
  });
});
