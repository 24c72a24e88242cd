import { DescribeImagesCommand, DescribeInstancesCommand, DescribeSecurityGroupsCommand, EC2Client, RunInstancesCommand, paginateDescribeImages, waitUntilInstanceRunning } from '@aws-sdk/client-ec2';
import { ec2ConfigFromFlags } from '../../drivers/amazonec2/config';
import { sdkEc2Port } from '../../drivers/amazonec2/sdk-port';
import { closeSwarmRules, openSwarmRules, swarmRules } from '../../drivers/amazonec2/swarm-rules';
import { type FakeEc2, inertBackend, startFakeEc2 } from '../e2e/harness/ec2-endpoint';
import { unreadElements } from '../e2e/harness/ec2-endpoint/schema-check';

/**
 * The local EC2 endpoint driven by the real AWS SDK, without VMs: signatures, errors, paging, waiters,
 * idempotency and throttling behave as EC2's do, and the driver's SDK port reads every answer right.
 */
const REGION = 'eu-west-1';
const KEY = { accessKeyId: 'AKIAFAKEEC2TEST00001', secretAccessKey: 'c2VjcmV0LWZvci10aGUtZmFrZS1lYzI=' };
const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRlc3RrZXl0ZXN0a2V5dGVzdGtleXRlc3RrZXk= test';

let fake: FakeEc2;
const client = (secretAccessKey = KEY.secretAccessKey, maxAttempts = 3) =>
  new EC2Client({ region: REGION, endpoint: fake.endpoint, credentials: { accessKeyId: KEY.accessKeyId, secretAccessKey }, maxAttempts, retryMode: 'standard' });
const port = () => {
  process.env.AWS_ACCESS_KEY_ID = KEY.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = KEY.secretAccessKey;
  return sdkEc2Port(ec2ConfigFromFlags({ 'amazonec2-region': REGION, 'amazonec2-endpoint': fake.endpoint, 'amazonec2-retries': 4 }, {}));
};

beforeEach(async () => {
  fake = await startFakeEc2({ region: REGION, ...KEY, backend: inertBackend });
});
afterEach(async () => {
  // Every answer of the test, element by element, is something the SDK reads: a misspelled field would
  // otherwise be dropped silently and read as undefined.
  const unread = fake.requests.flatMap((r) => (r.response ? unreadElements(r.action, r.response) : []));
  await fake.close();
  expect(unread).toEqual([]);
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
});

async function launch(ec2 = port()): Promise<string> {
  const subnet = (await ec2.subnetsIn((await ec2.defaultVpcId()) ?? '', `${REGION}a`))[0];
  await ec2.importKeyPair('k1', PUBLIC_KEY, { team: 'a' });
  return ec2.runInstance({
    imageId: 'ami-0a1b2c3d4e5f60003', instanceType: 't3.small', keyName: 'k1', subnetId: subnet?.subnetId ?? '', securityGroupIds: [], associatePublicIp: true,
    rootDevice: { name: '/dev/sda1', sizeGb: 12, volumeType: 'gp3', encrypted: false }, tags: { Name: 'm', 'machine:launch': 'tok-1' },
    metadata: { tokens: 'required', hopLimit: 1 }, monitoring: false, ebsOptimized: false, clientToken: 'tok-1',
  });
}

describe('local EC2 endpoint through the real SDK', () => {
  it('rejects a wrong secret (SigV4 checked) and an unknown key id', async () => {
    await expect(client('wrong-secret').send(new DescribeInstancesCommand({}))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    const stranger = new EC2Client({ region: REGION, endpoint: fake.endpoint, credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' }, maxAttempts: 1 });
    await expect(stranger.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({ name: 'AuthFailure' });
  });

  it('pages with NextToken: the paginator sees every image, one call does not', async () => {
    const all = [];
    for await (const page of paginateDescribeImages({ client: client() }, { Owners: ['099720109477'] })) all.push(...(page.Images ?? []));
    expect(all).toHaveLength(7);
    const single = await client().send(new DescribeImagesCommand({ Owners: ['099720109477'] }));
    expect(single.Images).toHaveLength(2);
    expect(single.NextToken).toBeDefined();
    const images = await port().findImages('099720109477', 'ubuntu/images/hvm-ssd*/ubuntu-*-amd64-server-*', 'x86_64');
    expect(images.map((i) => i.name)).toHaveLength(6);
    expect(images.every((i) => i.rootDeviceName === '/dev/sda1' && i.architecture === 'x86_64')).toBe(true);
  });

  it('answers EC2 error codes the SDK turns into named exceptions, and the port into absences', async () => {
    const ec2 = port();
    expect(await ec2.instanceTypeArchitectures('x9.mega')).toBeUndefined();
    expect(await ec2.instanceTypeArchitectures('t4g.small')).toEqual(['arm64']);
    expect(await ec2.describeImage('ami-00000000000000000')).toBeUndefined();
    expect(await ec2.describeInstance('i-00000000000000000')).toBeUndefined();
    expect(await ec2.describeSubnet('subnet-00000000')).toBeUndefined();
    await ec2.importKeyPair('dup', PUBLIC_KEY, {});
    await expect(ec2.importKeyPair('dup', PUBLIC_KEY, {})).rejects.toThrow('EC2 ImportKeyPair failed: InvalidKeyPair.Duplicate');
    await ec2.deleteKeyPair('never-there');
    expect(await ec2.deleteSecurityGroup('sg-00000000000000000')).toBe('gone');
  });

  it('swarm rules: the group itself as source (UserIdGroupPairs), opened once, closed again', async () => {
    const ec2 = port();
    const vpcId = (await ec2.defaultVpcId()) ?? '';
    const groupId = await ec2.createSecurityGroup('swarm-g', 'd', vpcId, { 'machine:managed': 'true' });
    await ec2.authorizeIngress(groupId, [{ protocol: 'tcp', port: 22, cidr: '0.0.0.0/0', description: 'ssh' }]);
    expect(await openSwarmRules(ec2, 'swarm-g', vpcId)).toHaveLength(1);
    expect(await openSwarmRules(ec2, 'swarm-g', vpcId)).toEqual([]);
    const group = await ec2.findSecurityGroup('swarm-g', vpcId);
    expect(group?.ingress.sort()).toEqual(['tcp:22:0.0.0.0/0', `tcp:2377:${groupId}`, `tcp:7946:${groupId}`, `udp:4789:${groupId}`, `udp:7946:${groupId}`].sort());
    // As EC2 itself answers it: each swarm rule's source is the group, and no CIDR.
    const raw = await client().send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
    const swarm = (raw.SecurityGroups?.[0]?.IpPermissions ?? []).filter((p) => p.FromPort !== 22);
    expect(swarm).toHaveLength(4);
    for (const p of swarm) {
      expect(p.UserIdGroupPairs?.map((g) => g.GroupId)).toEqual([groupId]);
      expect(p.IpRanges ?? []).toEqual([]);
    }
    expect(await closeSwarmRules(ec2, 'swarm-g', vpcId)).toHaveLength(1);
    expect((await ec2.findSecurityGroup('swarm-g', vpcId))?.ingress).toEqual(['tcp:22:0.0.0.0/0']);
    // Revoking rules already gone is no error either.
    await ec2.revokeGroupIngress(groupId, swarmRules(groupId));
  });

  it('keeps group rules idempotent and refuses to delete a group in use', async () => {
    const ec2 = port();
    const vpcId = (await ec2.defaultVpcId()) ?? '';
    const groupId = await ec2.createSecurityGroup('g', 'd', vpcId, { 'machine:managed': 'true' });
    const rule = { protocol: 'tcp' as const, port: 22, cidr: '0.0.0.0/0', description: 'ssh' };
    await ec2.authorizeIngress(groupId, [rule]);
    await ec2.authorizeIngress(groupId, [rule, { ...rule, port: 2376 }]);
    const group = await ec2.findSecurityGroup('g', vpcId);
    expect(group?.ingress.sort()).toEqual(['tcp:22:0.0.0.0/0', 'tcp:2376:0.0.0.0/0']);
    expect(group?.tags).toEqual({ 'machine:managed': 'true' });

    await ec2.importKeyPair('k2', PUBLIC_KEY, {});
    const subnet = (await ec2.subnetsIn(vpcId, `${REGION}b`))[0];
    const id = await ec2.runInstance({
      imageId: 'ami-0a1b2c3d4e5f60003', instanceType: 't3.small', keyName: 'k2', subnetId: subnet?.subnetId ?? '', securityGroupIds: [groupId], associatePublicIp: false,
      rootDevice: { name: '/dev/sda1', sizeGb: 8, volumeType: 'gp3', encrypted: true }, tags: {}, metadata: { tokens: 'required', hopLimit: 1 }, monitoring: false, ebsOptimized: false, clientToken: 'tok-2',
    });
    expect(await ec2.securityGroupUsers(groupId)).toEqual([id]);
    expect(await ec2.deleteSecurityGroup(groupId)).toBe('in-use');
    await ec2.terminateInstance(id);
    await ec2.waitFor(id, 'terminated', { timeoutMs: 30_000 });
    expect(await ec2.deleteSecurityGroup(groupId)).toBe('deleted');
  }, 60_000);

  it('launches once per client token, tags what it launches, and the waiter sees it run despite eventual consistency', async () => {
    fake.hideNewInstances(3);
    const ec2 = port();
    const id = await launch(ec2);
    const again = await client().send(new RunInstancesCommand({ ImageId: 'ami-0a1b2c3d4e5f60003', InstanceType: 't3.small', MinCount: 1, MaxCount: 1, ClientToken: 'tok-1' }));
    expect(again.Instances?.[0]?.InstanceId).toBe(id);
    await ec2.waitFor(id, 'running', { timeoutMs: 60_000 });
    expect(fake.requests.filter((r) => r.error === 'InvalidInstanceID.NotFound').length).toBeGreaterThan(0);
    const instance = await ec2.describeInstance(id);
    expect(instance).toMatchObject({ state: 'running', tags: { Name: 'm', 'machine:launch': 'tok-1' } });
    expect(instance?.publicIp).toMatch(/^127\.\d+\.0\.\d+$/);
    expect((await ec2.findInstancesByTag('machine:launch', 'tok-1')).map((i) => i.instanceId)).toEqual([id]);
    expect(fake.snapshot().instances[0]?.volumes[0]).toMatchObject({ size: 12, tags: { Name: 'm' } });
  }, 60_000);

  it('retries throttled calls (adaptive retries) until they succeed', async () => {
    fake.throttle('DescribeVpcs', 2);
    expect(await port().defaultVpcId()).toMatch(/^vpc-/);
    expect(fake.requests.filter((r) => r.action === 'DescribeVpcs').map((r) => r.error ?? 'ok')).toEqual(['RequestLimitExceeded', 'RequestLimitExceeded', 'ok']);
  }, 60_000);

  it('moves instances through stop, start (a new public IP), reboot and terminate, refusing wrong transitions', async () => {
    const ec2 = port();
    const id = await launch(ec2);
    await waitUntilInstanceRunning({ client: client(), maxWaitTime: 30, minDelay: 1 }, { InstanceIds: [id] });
    const firstIp = (await ec2.describeInstance(id))?.publicIp;
    await ec2.stopInstance(id, false);
    await ec2.waitFor(id, 'stopped', { timeoutMs: 30_000 });
    expect((await ec2.describeInstance(id))?.publicIp).toBeUndefined();
    await expect(ec2.rebootInstance(id)).rejects.toThrow('IncorrectInstanceState');
    await ec2.startInstance(id);
    await ec2.waitFor(id, 'running', { timeoutMs: 30_000 });
    expect((await ec2.describeInstance(id))?.publicIp).not.toBe(firstIp);
    expect(await ec2.securityGroupUsers('sg-0defa0170000000001')).toEqual([id]);
    await ec2.terminateInstance(id);
    await ec2.waitFor(id, 'terminated', { timeoutMs: 30_000 });
    expect(await ec2.securityGroupUsers('sg-0defa0170000000001')).toEqual([]);
    expect(await ec2.findInstancesByTag('machine:launch', 'tok-1')).toEqual([]);
    await expect(ec2.startInstance(id)).rejects.toThrow('IncorrectInstanceState');
  }, 60_000);
});
