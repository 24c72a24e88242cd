import type { Ec2InstanceState, Ec2Port, GroupIngressRule, ImageInfo, IngressRule, InstanceInfo, LaunchSpec, ResourceTags, SecurityGroupInfo, SubnetInfo, WaitTarget } from '../../../drivers/amazonec2/ec2-port';
import { OperationError } from '../../../src/core/errors';

interface FakeInstance extends InstanceInfo {
  spec: LaunchSpec;
}

/**
 * An in-memory EC2 behind the driver's port, for unit tests of the driver's decisions (what it makes,
 * in which order, what it removes). The SDK and the wire protocol are tested against the local EC2
 * endpoint instead (test/e2e/harness/fake-ec2).
 */
export class FakeEc2Port implements Ec2Port {
  readonly calls: string[] = [];
  vpcId: string | undefined = 'vpc-11111111';
  subnets: SubnetInfo[] = [
    { subnetId: 'subnet-aaaa1111', vpcId: 'vpc-11111111', availabilityZone: 'us-east-1a', defaultForAz: true },
    { subnetId: 'subnet-aaaa2222', vpcId: 'vpc-11111111', availabilityZone: 'us-east-1b', defaultForAz: true },
  ];
  instanceTypes: Record<string, string[]> = { 't3.small': ['x86_64'], 't4g.small': ['arm64'] };
  images: ImageInfo[] = [
    { imageId: 'ami-0000000000000aaaa', name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250101', architecture: 'x86_64', creationDate: '2025-01-01T00:00:00.000Z', rootDeviceName: '/dev/sda1' },
    { imageId: 'ami-0000000000000bbbb', name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20250101', architecture: 'arm64', creationDate: '2025-01-01T00:00:00.000Z', rootDeviceName: '/dev/sda1' },
  ];
  keyPairs = new Map<string, ResourceTags>();
  groups = new Map<string, SecurityGroupInfo>();
  instances = new Map<string, FakeInstance>();
  /** Action name -> error thrown at the next call of it. */
  failures = new Map<string, Error>();
  consoleText = '';
  /** Instances whose interfaces are still counted as group users this many more times after termination. */
  lingeringInterfaces = 0;
  private sequence = 0;

  private step(action: string): void {
    this.calls.push(action);
    const failure = this.failures.get(action);
    if (failure) {
      this.failures.delete(action);
      throw failure;
    }
  }

  async defaultVpcId() {
    this.step('DescribeVpcs');
    return this.vpcId;
  }
  async describeSubnet(subnetId: string) {
    this.step('DescribeSubnets');
    return this.subnets.find((s) => s.subnetId === subnetId);
  }
  async subnetsIn(vpcId: string, zone: string) {
    this.step('DescribeSubnets');
    return this.subnets.filter((s) => s.vpcId === vpcId && s.availabilityZone === zone);
  }
  async instanceTypeArchitectures(type: string) {
    this.step('DescribeInstanceTypes');
    return this.instanceTypes[type];
  }
  async describeImage(imageId: string) {
    this.step('DescribeImages');
    return this.images.find((i) => i.imageId === imageId);
  }
  async findImages(owner: string, pattern: string, architecture: string) {
    this.step('DescribeImages');
    const regex = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`);
    return this.images.filter((i) => regex.test(i.name) && i.architecture === architecture && owner === '099720109477');
  }
  async importKeyPair(name: string, _publicKey: string, tags: ResourceTags) {
    this.step('ImportKeyPair');
    if (this.keyPairs.has(name)) throw new OperationError('EC2_INVALIDKEYPAIR_DUPLICATE', `key pair ${name} exists`);
    this.keyPairs.set(name, tags);
  }
  async deleteKeyPair(name: string) {
    this.step('DeleteKeyPair');
    this.keyPairs.delete(name);
  }
  async findSecurityGroup(name: string, vpcId: string) {
    this.step('DescribeSecurityGroups');
    return [...this.groups.values()].find((g) => g.groupName === name && g.vpcId === vpcId);
  }
  async createSecurityGroup(name: string, _description: string, vpcId: string, tags: ResourceTags) {
    this.step('CreateSecurityGroup');
    const groupId = `sg-${String(++this.sequence).padStart(8, '0')}`;
    this.groups.set(groupId, { groupId, groupName: name, vpcId, tags, ingress: [] });
    return groupId;
  }
  async authorizeIngress(groupId: string, rules: IngressRule[]) {
    this.step('AuthorizeSecurityGroupIngress');
    const group = this.groups.get(groupId);
    if (!group) throw new Error(`no group ${groupId}`);
    for (const r of rules) if (!group.ingress.includes(`${r.protocol}:${r.port}:${r.cidr}`)) group.ingress.push(`${r.protocol}:${r.port}:${r.cidr}`);
  }
  async authorizeGroupIngress(groupId: string, rules: GroupIngressRule[]) {
    this.step('AuthorizeSecurityGroupIngress');
    const group = this.groups.get(groupId);
    if (!group) throw new Error(`no group ${groupId}`);
    for (const r of rules) if (!group.ingress.includes(`${r.protocol}:${r.port}:${r.sourceGroupId}`)) group.ingress.push(`${r.protocol}:${r.port}:${r.sourceGroupId}`);
  }
  async revokeGroupIngress(groupId: string, rules: GroupIngressRule[]) {
    this.step('RevokeSecurityGroupIngress');
    const group = this.groups.get(groupId);
    if (!group) throw new Error(`no group ${groupId}`);
    const gone = new Set(rules.map((r) => `${r.protocol}:${r.port}:${r.sourceGroupId}`));
    group.ingress = group.ingress.filter((rule) => !gone.has(rule));
  }
  async securityGroupUsers(groupId: string) {
    this.step('DescribeNetworkInterfaces');
    const users = [...this.instances.values()].filter((i) => i.spec.securityGroupIds.includes(groupId) && i.state !== 'terminated').map((i) => i.instanceId);
    return users;
  }
  async deleteSecurityGroup(groupId: string): Promise<'deleted' | 'gone' | 'in-use'> {
    this.step('DeleteSecurityGroup');
    if (!this.groups.has(groupId)) return 'gone';
    if (this.lingeringInterfaces > 0) {
      this.lingeringInterfaces--;
      return 'in-use';
    }
    this.groups.delete(groupId);
    return 'deleted';
  }
  async runInstance(spec: LaunchSpec) {
    this.step('RunInstances');
    const instanceId = `i-${String(++this.sequence).padStart(17, '0')}`;
    this.instances.set(instanceId, { instanceId, state: 'pending', publicIp: `198.51.100.${this.sequence}`, privateIp: `172.31.0.${this.sequence}`, tags: spec.tags, spec });
    return instanceId;
  }
  async describeInstance(instanceId: string) {
    this.step('DescribeInstances');
    const found = this.instances.get(instanceId);
    return found ? { ...found } : undefined;
  }
  async describeInstances(instanceIds: readonly string[]) {
    this.step('DescribeInstances');
    return instanceIds.flatMap((id) => {
      const found = this.instances.get(id);
      return found ? [{ ...found }] : [];
    });
  }
  async findInstancesByTag(key: string, value: string) {
    this.step('DescribeInstances');
    return [...this.instances.values()].filter((i) => i.tags[key] === value && i.state !== 'terminated');
  }
  async waitFor(instanceId: string, target: WaitTarget, options: { signal?: AbortSignal }) {
    this.step(`wait:${target}`);
    if (options.signal?.aborted) throw new Error('aborted');
    this.setState(instanceId, target);
  }
  async startInstance(id: string) {
    this.step('StartInstances');
    this.setState(id, 'pending');
  }
  async stopInstance(id: string, force: boolean) {
    this.step(force ? 'StopInstances(force)' : 'StopInstances');
    this.setState(id, 'stopping');
  }
  async rebootInstance() {
    this.step('RebootInstances');
  }
  async terminateInstance(id: string) {
    this.step('TerminateInstances');
    if (this.instances.has(id)) this.setState(id, 'shutting-down');
  }
  async consoleOutput() {
    this.step('GetConsoleOutput');
    return this.consoleText === '' ? undefined : this.consoleText;
  }

  setState(id: string, state: Ec2InstanceState): void {
    const instance = this.instances.get(id);
    if (!instance) throw new Error(`no instance ${id}`);
    instance.state = state;
  }
}
