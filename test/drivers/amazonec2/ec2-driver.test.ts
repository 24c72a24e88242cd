import type { CreateContext } from '../../../src/core/driver';
import type { ResourceRecord } from '../../../src/core/machine-record';
import { ec2ConfigFromFlags, type Ec2Config } from '../../../drivers/amazonec2/config';
import { Ec2Driver } from '../../../drivers/amazonec2/ec2-driver';
import { PreCreateCheckError } from '../../../src/core/errors';
import { FakeEc2Port } from './fake-port';

const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRlc3RrZXl0ZXN0a2V5dGVzdGtleXRlc3RrZXk= machine';

interface Run {
  driver: Ec2Driver;
  ctx: CreateContext;
  journal: ResourceRecord[];
  state: Record<string, unknown>;
  progress: string[];
  abort: AbortController;
}

function setup(ec2: FakeEc2Port, flags: Record<string, unknown> = {}, config?: Ec2Config): Run {
  const journal: ResourceRecord[] = [];
  const state: Record<string, unknown> = {};
  const progress: string[] = [];
  const abort = new AbortController();
  const driverConfig = config ?? ec2ConfigFromFlags(flags, {});
  const driver = new Ec2Driver({ machineName: 'dev1', machineDir: '/store/machines/dev1', sshKeyPath: '/store/machines/dev1/id_ed25519', storePath: '/store', config: driverConfig, state, resources: journal }, ec2, { groupReleaseDelaysMs: [0, 0], hostKeyPollMs: 1, hostKeyTimeoutMs: 50 });
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
  return { driver, ctx, journal, state, progress, abort };
}

/** A driver as a later command loads it: from what create persisted. */
function reload(ec2: FakeEc2Port, run: Run): Ec2Driver {
  return new Ec2Driver({ machineName: 'dev1', machineDir: '/store/machines/dev1', sshKeyPath: '/store/machines/dev1/id_ed25519', storePath: '/store', config: ec2ConfigFromFlags({}, {}), state: { ...run.state }, resources: [...run.journal] }, ec2, { groupReleaseDelaysMs: [0, 0] });
}

describe('amazonec2 driver', () => {
  it('creates key pair, security group and instance, journaling each before or as it exists', async () => {
    const ec2 = new FakeEc2Port();
    const run = setup(ec2);
    await run.driver.preCreateCheck();
    const result = await run.driver.create(run.ctx);

    expect(run.journal.map((r) => r.kind)).toEqual(['ec2-key-pair', 'ec2-security-group-request', 'ec2-security-group', 'ec2-launch', 'ec2-instance']);
    const mutating = ec2.calls.filter((c) => /^(Import|Create|Authorize|Run)/.test(c));
    expect(mutating).toEqual(['ImportKeyPair', 'CreateSecurityGroup', 'AuthorizeSecurityGroupIngress', 'RunInstances']);

    const keyName = run.journal[0]?.id ?? '';
    expect(keyName).toMatch(/^machine-dev1-[0-9a-f]{8}$/);
    expect(ec2.keyPairs.has(keyName)).toBe(true);

    const [instance] = [...ec2.instances.values()];
    expect(instance?.spec.keyName).toBe(keyName);
    expect(instance?.spec.subnetId).toBe('subnet-aaaa1111');
    expect(instance?.spec.imageId).toBe('ami-0000000000000aaaa');
    expect(instance?.spec.tags).toMatchObject({ Name: 'dev1', 'machine:name': 'dev1', 'machine:launch': run.journal[3]?.id });
    expect(run.state).toMatchObject({ instanceId: instance?.instanceId, amiId: 'ami-0000000000000aaaa', subnetId: 'subnet-aaaa1111', vpcId: 'vpc-11111111' });

    expect(result.ip).toBe(instance?.publicIp);
    expect(result.ssh).toEqual({ host: instance?.publicIp, port: 22, user: 'ubuntu', keyPath: '/store/machines/dev1/id_ed25519' });
    expect(result.addresses).toEqual([instance?.publicIp, instance?.privateIp]);

    const group = ec2.groups.get(run.journal[2]?.id ?? '');
    expect(group?.tags['machine:managed']).toBe('true');
    expect(group?.ingress.sort()).toEqual(['tcp:22:0.0.0.0/0', 'tcp:2376:0.0.0.0/0']);
  });

  it('uses the private address when asked, and launches without a public one when told', async () => {
    const ec2 = new FakeEc2Port();
    const run = setup(ec2, { 'amazonec2-private-address-only': true });
    await run.driver.preCreateCheck();
    const result = await run.driver.create(run.ctx);
    const [instance] = [...ec2.instances.values()];
    expect(instance?.spec.associatePublicIp).toBe(false);
    expect(result.ip).toBe(instance?.privateIp);
  });

  it('adds missing rules to a group it made earlier, and never touches a group the user made', async () => {
    const ec2 = new FakeEc2Port();
    ec2.groups.set('sg-00000ours', { groupId: 'sg-00000ours', groupName: 'machine', vpcId: 'vpc-11111111', tags: { 'machine:managed': 'true' }, ingress: ['tcp:22:0.0.0.0/0'] });
    const ours = setup(ec2);
    await ours.driver.create(ours.ctx);
    expect(ec2.groups.get('sg-00000ours')?.ingress.sort()).toEqual(['tcp:22:0.0.0.0/0', 'tcp:2376:0.0.0.0/0']);
    expect(ours.journal.find((r) => r.kind === 'ec2-security-group')?.id).toBe('sg-00000ours');

    const ec2b = new FakeEc2Port();
    ec2b.groups.set('sg-0000theirs', { groupId: 'sg-0000theirs', groupName: 'web', vpcId: 'vpc-11111111', tags: {}, ingress: [] });
    const theirs = setup(ec2b, { 'amazonec2-security-group': 'web' });
    await theirs.driver.create(theirs.ctx);
    expect(ec2b.calls).not.toContain('AuthorizeSecurityGroupIngress');
    expect(theirs.journal.some((r) => r.kind === 'ec2-security-group')).toBe(false);
    expect(theirs.progress.join('\n')).toMatch(/web \(sg-0000theirs\) is not ours and does not open 22\/tcp, 2376\/tcp/);
  });

  it('rolls back in reverse: after RunInstances fails, the key pair and the group it made are deleted', async () => {
    const ec2 = new FakeEc2Port();
    ec2.failures.set('RunInstances', new Error('InsufficientInstanceCapacity'));
    const run = setup(ec2);
    await expect(run.driver.create(run.ctx)).rejects.toThrow('InsufficientInstanceCapacity');
    expect(run.journal.map((r) => r.kind)).toEqual(['ec2-key-pair', 'ec2-security-group-request', 'ec2-security-group', 'ec2-launch']);

    ec2.calls.length = 0;
    const notes = await reload(ec2, run).remove();
    expect(ec2.calls.filter((c) => !c.startsWith('Describe'))).toEqual(['DeleteKeyPair', 'DeleteSecurityGroup']);
    expect(ec2.keyPairs.size).toBe(0);
    expect(ec2.groups.size).toBe(0);
    expect(notes).toEqual([expect.stringMatching(/^deleted key pair machine-dev1-/), expect.stringMatching(/^deleted security group sg-/)]);
  });

  it('journals a group it creates before adding its rules, so a refused AuthorizeSecurityGroupIngress still rolls back', async () => {
    // An IAM policy without ec2:AuthorizeSecurityGroupIngress: the group exists, its rules do not.
    const ec2 = new FakeEc2Port();
    ec2.failures.set('AuthorizeSecurityGroupIngress', new Error('UnauthorizedOperation'));
    const run = setup(ec2, { 'amazonec2-security-group': 'dev1-only' });
    await expect(run.driver.create(run.ctx)).rejects.toThrow('UnauthorizedOperation');
    const [group] = [...ec2.groups.values()];
    expect(run.journal.map((r) => `${r.kind} ${r.id}`)).toEqual([
      expect.stringMatching(/^ec2-key-pair machine-dev1-/),
      'ec2-security-group-request vpc-11111111/dev1-only',
      `ec2-security-group ${group?.groupId}`,
    ]);

    await reload(ec2, run).remove();
    expect({ keyPairs: ec2.keyPairs.size, groups: ec2.groups.size }).toEqual({ keyPairs: 0, groups: 0 });
  });

  it('finds a group it asked for by name when create died before its id was journaled', async () => {
    const ec2 = new FakeEc2Port();
    const run = setup(ec2);
    await run.driver.create(run.ctx);
    const lost = run.journal.filter((r) => r.kind !== 'ec2-security-group');
    const driver = new Ec2Driver({ machineName: 'dev1', machineDir: '/m', sshKeyPath: '/m/id_ed25519', storePath: '/s', config: ec2ConfigFromFlags({}, {}), state: {}, resources: lost }, ec2, { groupReleaseDelaysMs: [] });
    const notes = await driver.remove();
    expect({ instances: [...ec2.instances.values()].map((i) => i.state), keyPairs: ec2.keyPairs.size, groups: ec2.groups.size }).toEqual({ instances: ['terminated'], keyPairs: 0, groups: 0 });
    expect(notes).toContainEqual(expect.stringMatching(/^deleted security group sg-/));
  });

  it('never deletes a group of that name that is not ours, though a request for it was journaled', async () => {
    const ec2 = new FakeEc2Port();
    const config = ec2ConfigFromFlags({}, {});
    const users = await ec2.createSecurityGroup(config.securityGroup, 'made by the user', 'vpc-11111111', {});
    const request: ResourceRecord = { kind: 'ec2-security-group-request', id: `vpc-11111111/${config.securityGroup}`, attributes: { region: config.region, name: config.securityGroup, vpcId: 'vpc-11111111' } };
    const driver = new Ec2Driver({ machineName: 'dev1', machineDir: '/m', sshKeyPath: '/m/id_ed25519', storePath: '/s', config, state: {}, resources: [request] }, ec2, { groupReleaseDelaysMs: [] });
    await driver.remove();
    expect(ec2.groups.has(users)).toBe(true);
  });

  it('finds an instance by its launch token when create died before recording the id', async () => {
    const ec2 = new FakeEc2Port();
    const run = setup(ec2);
    await run.driver.create(run.ctx);
    const lost = run.journal.filter((r) => r.kind !== 'ec2-instance');
    const driver = new Ec2Driver({ machineName: 'dev1', machineDir: '/m', sshKeyPath: '/m/id_ed25519', storePath: '/s', config: ec2ConfigFromFlags({}, {}), state: {}, resources: lost }, ec2, { groupReleaseDelaysMs: [] });
    await driver.remove();
    expect([...ec2.instances.values()].map((i) => i.state)).toEqual(['terminated']);
    expect(ec2.calls.indexOf('TerminateInstances')).toBeLessThan(ec2.calls.indexOf('DeleteKeyPair'));
  });

  it('terminates and waits before deleting the key pair, and keeps a group another machine still uses', async () => {
    const ec2 = new FakeEc2Port();
    const first = setup(ec2);
    await first.driver.create(first.ctx);
    const second = setup(ec2);
    await second.driver.create(second.ctx);

    ec2.calls.length = 0;
    const notes = await reload(ec2, first).remove();
    expect(ec2.calls.filter((c) => !c.startsWith('Describe'))).toEqual(['TerminateInstances', 'wait:terminated', 'DeleteKeyPair']);
    expect(notes.join('\n')).toMatch(/kept security group sg-\d+: still used by i-/);
    expect(ec2.groups.size).toBe(1);

    await reload(ec2, second).remove();
    expect(ec2.groups.size).toBe(0);
  });

  it('retries deleting a group while EC2 still counts a terminated instance as its user', async () => {
    const ec2 = new FakeEc2Port();
    const run = setup(ec2);
    await run.driver.create(run.ctx);
    ec2.lingeringInterfaces = 2;
    const notes = await reload(ec2, run).remove();
    expect(ec2.calls.filter((c) => c === 'DeleteSecurityGroup')).toHaveLength(3);
    expect(notes.at(-1)).toMatch(/^deleted security group/);
  });

  it('keeps the group, saying why, when EC2 still reports it in use after every pause', async () => {
    const ec2 = new FakeEc2Port();
    const run = setup(ec2);
    await run.driver.create(run.ctx);
    ec2.lingeringInterfaces = 5;
    const notes = await reload(ec2, run).remove();
    // The first try and one after each of the two pauses.
    expect(ec2.calls.filter((c) => c === 'DeleteSecurityGroup')).toHaveLength(3);
    expect(notes.at(-1)).toMatch(/^kept security group sg-\d+: EC2 still reports it in use; delete it later if nothing needs it$/);
    expect(ec2.groups.size).toBe(1);
  });

  it('says so when the instance is already gone, and removing twice is fine', async () => {
    const ec2 = new FakeEc2Port();
    const run = setup(ec2);
    await run.driver.create(run.ctx);
    const id = String(run.state.instanceId);
    ec2.instances.delete(id);
    const notes = await reload(ec2, run).remove();
    expect(notes[0]).toBe(`instance ${id} was already gone`);
    await expect(reload(ec2, run).remove()).resolves.toBeDefined();
  });

  it('maps EC2 states and asks EC2 for each lifecycle change, leaving the wait to the core', async () => {
    const ec2 = new FakeEc2Port();
    const run = setup(ec2);
    await run.driver.create(run.ctx);
    const driver = reload(ec2, run);
    const id = String(run.state.instanceId);
    const seen: string[] = [];
    for (const state of ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'] as const) {
      ec2.setState(id, state);
      seen.push(await driver.state());
    }
    expect(seen).toEqual(['Starting', 'Running', 'Stopping', 'Stopped', 'Stopping', 'NotFound']);

    ec2.setState(id, 'running');
    ec2.calls.length = 0;
    await driver.stop();
    await driver.start();
    await driver.kill();
    await driver.restart();
    expect(ec2.calls.filter((c) => !c.startsWith('Describe'))).toEqual(['StopInstances', 'StartInstances', 'StopInstances(force)', 'RebootInstances']);
    ec2.instances.delete(id);
    expect(await driver.state()).toBe('NotFound');
    await expect(driver.ip()).rejects.toThrow(/no longer exists/);
  });

  it('refuses to stop or kill a one-time spot instance before asking EC2, and points at rm', async () => {
    const ec2 = new FakeEc2Port();
    const run = setup(ec2, { 'amazonec2-request-spot-instance': true });
    await run.driver.create(run.ctx);
    ec2.calls.length = 0;
    await expect(run.driver.stop()).rejects.toMatchObject({ code: 'NOT_SUPPORTED', message: expect.stringMatching(/one-time spot instance .* not stop$/) });
    await expect(run.driver.kill()).rejects.toMatchObject({ code: 'NOT_SUPPORTED', suggestions: expect.arrayContaining(['machine rm dev1 removes it']) });
    expect(ec2.calls.filter((c) => c.startsWith('Stop'))).toEqual([]);
  });

  it('reads host key fingerprints from the console, and gives up once cloud-init finished without them', async () => {
    const ec2 = new FakeEc2Port();
    const run = setup(ec2);
    await run.driver.create(run.ctx);
    const fingerprint = `SHA256:${'A'.repeat(43)}`;
    ec2.consoleText = `boot\r\nec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----\r\nec2: 256 ${fingerprint} root@ip (ED25519)\r\nec2: -----END SSH HOST KEY FINGERPRINTS-----\r\n`;
    expect(await run.driver.hostKeyFingerprints(run.abort.signal)).toEqual([fingerprint]);

    ec2.consoleText = 'Cloud-init v. 22.4.2 finished at Mon, 23 Nov 2026 10:00:00 +0000. Datasource DataSourceEc2.\n';
    ec2.calls.length = 0;
    expect(await run.driver.hostKeyFingerprints(run.abort.signal)).toEqual([]);
    expect(ec2.calls).toEqual(['GetConsoleOutput']);
  });

  it('gives up on host keys with none when time runs out or create is interrupted', async () => {
    const ec2 = new FakeEc2Port();
    const run = setup(ec2);
    await run.driver.create(run.ctx);
    ec2.consoleText = 'still booting\n';
    ec2.calls.length = 0;
    expect(await run.driver.hostKeyFingerprints(run.abort.signal)).toEqual([]);
    expect(ec2.calls.length).toBeGreaterThan(1);

    run.abort.abort();
    ec2.calls.length = 0;
    expect(await run.driver.hostKeyFingerprints(run.abort.signal)).toEqual([]);
    expect(ec2.calls).toEqual([]);
  });

  it('stops at the pre-create check for an unknown instance type, an AMI of the wrong architecture, or no subnet', async () => {
    const ec2 = new FakeEc2Port();
    await expect(setup(ec2, { 'amazonec2-instance-type': 'x9.huge' }).driver.preCreateCheck()).rejects.toThrow(PreCreateCheckError);
    await expect(setup(ec2, { 'amazonec2-instance-type': 't3.small', 'amazonec2-ami': 'ami-0000000000000bbbb' }).driver.preCreateCheck()).rejects.toThrow(/is arm64, but t3.small runs x86_64/);
    await expect(setup(ec2, { 'amazonec2-zone': 'f' }).driver.preCreateCheck()).rejects.toThrow(/has no subnet in us-east-1f/);
    ec2.vpcId = undefined;
    await expect(setup(ec2).driver.preCreateCheck()).rejects.toThrow(/no default VPC/);
    expect(ec2.calls.filter((c) => !c.startsWith('Describe'))).toEqual([]);
  });

  it('turns a lookup failure (no credentials) into a pre-create failure', async () => {
    const ec2 = new FakeEc2Port();
    const { ec2Failure } = await import('../../../drivers/amazonec2/sdk-errors');
    ec2.failures.set('DescribeVpcs', ec2Failure('DescribeVpcs', Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })));
    const failure = setup(ec2).driver.preCreateCheck();
    await expect(failure).rejects.toThrow(PreCreateCheckError);
    await expect(failure).rejects.toThrow('EC2 DescribeVpcs failed: no AWS credentials were found');
  });

  it('picks the arm64 Ubuntu image for a Graviton type', async () => {
    const ec2 = new FakeEc2Port();
    const run = setup(ec2, { 'amazonec2-instance-type': 't4g.small' });
    await run.driver.preCreateCheck();
    await run.driver.create(run.ctx);
    expect([...ec2.instances.values()][0]?.spec.imageId).toBe('ami-0000000000000bbbb');
  });

  it('stops between steps when create is interrupted, leaving only journaled resources', async () => {
    const ec2 = new FakeEc2Port();
    const run = setup(ec2);
    const original = ec2.importKeyPair.bind(ec2);
    ec2.importKeyPair = async (...args) => {
      await original(...args);
      run.abort.abort();
    };
    await expect(run.driver.create(run.ctx)).rejects.toThrow('create was interrupted');
    expect(ec2.calls).not.toContain('RunInstances');
    expect(run.journal.map((r) => r.kind)).toEqual(['ec2-key-pair']);
  });
});
