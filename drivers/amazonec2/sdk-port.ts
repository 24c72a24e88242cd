import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DescribeImagesCommand,
  DescribeInstanceTypesCommand,
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  GetConsoleOutputCommand,
  ImportKeyPairCommand,
  type Image,
  type _InstanceType,
  type Instance,
  type IpPermission,
  RebootInstancesCommand,
  RevokeSecurityGroupIngressCommand,
  type ResourceType,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  type SecurityGroup,
  StartInstancesCommand,
  StopInstancesCommand,
  type Subnet,
  type Tag,
  type VolumeType,
  TerminateInstancesCommand,
  paginateDescribeImages,
  paginateDescribeInstances,
  paginateDescribeNetworkInterfaces,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  waitUntilInstanceRunning,
  waitUntilInstanceStopped,
  waitUntilInstanceTerminated,
} from '@aws-sdk/client-ec2';
import type { Ec2Config } from './config';
import type { Ec2Port, GroupIngressRule, ImageInfo, IngressRule, InstanceInfo, LaunchSpec, ResourceTags, SecurityGroupInfo, SubnetInfo, WaitTarget } from './ec2-port';
import { awsErrorCode, ec2Failure } from './sdk-errors';
import { logEc2CallsForDebug } from './sdk-debug';
import { logEc2CallsToFile } from './call-log';
import { isEc2InstanceState } from './state-map';

const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];

/**
 * The EC2 port on the real SDK. Credentials come from the SDK's default chain (env, the shared
 * profile, SSO, the instance role) every time a client is made; nothing here ever stores them.
 * Adaptive retries back off and pace calls when EC2 answers RequestLimitExceeded.
 */
export function sdkEc2Port(config: Ec2Config): Ec2Port {
  // The SDK warns on every run under Node 20 that its 2027 releases will need Node 22. That is ours to
  // act on when we update it (package.json engines), not something a user of `machine` can fix.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new EC2Client({
    region: config.region,
    maxAttempts: config.maxAttempts,
    retryMode: 'adaptive',
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.profile ? { profile: config.profile } : {}),
  });
  logEc2CallsForDebug(client);
  logEc2CallsToFile(client);
  return new SdkEc2Port(client);
}

class SdkEc2Port implements Ec2Port {
  constructor(private readonly client: EC2Client) {}

  async defaultVpcId(): Promise<string | undefined> {
    const out = await this.call('DescribeVpcs', () => this.client.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] })));
    return out.Vpcs?.[0]?.VpcId;
  }

  async describeSubnet(subnetId: string): Promise<SubnetInfo | undefined> {
    const out = await this.call('DescribeSubnets', () => this.client.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] })), ['InvalidSubnetID.NotFound']);
    const subnet = out?.Subnets?.[0];
    return subnet ? subnetInfo(subnet) : undefined;
  }

  async subnetsIn(vpcId: string, availabilityZone: string): Promise<SubnetInfo[]> {
    const filters = [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'availability-zone', Values: [availabilityZone] }];
    return this.call('DescribeSubnets', async () => {
      const subnets: SubnetInfo[] = [];
      for await (const page of paginateDescribeSubnets({ client: this.client }, { Filters: filters })) subnets.push(...(page.Subnets ?? []).map(subnetInfo));
      return subnets;
    });
  }

  async instanceTypeArchitectures(instanceType: string): Promise<string[] | undefined> {
    const out = await this.call('DescribeInstanceTypes', () => this.client.send(new DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as _InstanceType] })), ['InvalidInstanceType']);
    const info = out?.InstanceTypes?.[0];
    return info ? (info.ProcessorInfo?.SupportedArchitectures ?? []).map(String) : undefined;
  }

  async describeImage(imageId: string): Promise<ImageInfo | undefined> {
    const out = await this.call('DescribeImages', () => this.client.send(new DescribeImagesCommand({ ImageIds: [imageId] })), ['InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable']);
    const image = out?.Images?.[0];
    return image ? imageInfo(image) : undefined;
  }

  async findImages(owner: string, namePattern: string, architecture: string): Promise<ImageInfo[]> {
    const input = {
      Owners: [owner],
      Filters: [
        { Name: 'name', Values: [namePattern] },
        { Name: 'architecture', Values: [architecture] },
        { Name: 'state', Values: ['available'] },
        { Name: 'root-device-type', Values: ['ebs'] },
        { Name: 'virtualization-type', Values: ['hvm'] },
      ],
    };
    return this.call('DescribeImages', async () => {
      const images: ImageInfo[] = [];
      for await (const page of paginateDescribeImages({ client: this.client }, input)) images.push(...(page.Images ?? []).map(imageInfo));
      return images;
    });
  }

  async importKeyPair(name: string, publicKey: string, tags: ResourceTags): Promise<void> {
    await this.call('ImportKeyPair', () =>
      this.client.send(new ImportKeyPairCommand({ KeyName: name, PublicKeyMaterial: Buffer.from(publicKey.trim()), TagSpecifications: [tagSpec('key-pair', tags)] })),
    );
  }

  async deleteKeyPair(name: string): Promise<void> {
    await this.call('DeleteKeyPair', () => this.client.send(new DeleteKeyPairCommand({ KeyName: name })), ['InvalidKeyPair.NotFound']);
  }

  async findSecurityGroup(name: string, vpcId: string): Promise<SecurityGroupInfo | undefined> {
    const filters = [{ Name: 'group-name', Values: [name] }, { Name: 'vpc-id', Values: [vpcId] }];
    return this.call('DescribeSecurityGroups', async () => {
      for await (const page of paginateDescribeSecurityGroups({ client: this.client }, { Filters: filters })) {
        const found = page.SecurityGroups?.find((g) => g.GroupName === name);
        if (found) return securityGroupInfo(found);
      }
      return undefined;
    });
  }

  async createSecurityGroup(name: string, description: string, vpcId: string, tags: ResourceTags): Promise<string> {
    const out = await this.call('CreateSecurityGroup', () =>
      this.client.send(new CreateSecurityGroupCommand({ GroupName: name, Description: description, VpcId: vpcId, TagSpecifications: [tagSpec('security-group', tags)] })),
    );
    if (!out.GroupId) throw ec2Failure('CreateSecurityGroup', new Error('EC2 answered without a group id'));
    return out.GroupId;
  }

  async authorizeIngress(groupId: string, rules: IngressRule[]): Promise<void> {
    await this.authorizeEach(groupId, rules.map(cidrPermission));
  }

  async authorizeGroupIngress(groupId: string, rules: GroupIngressRule[]): Promise<void> {
    await this.authorizeEach(groupId, rules.map(groupPermission));
  }

  /** All permissions in one call; when some were already there, EC2 adds none of the batch, so one by one. */
  private async authorizeEach(groupId: string, permissions: IpPermission[]): Promise<void> {
    if (permissions.length === 0) return;
    const authorize = (batch: IpPermission[]) =>
      this.call('AuthorizeSecurityGroupIngress', () => this.client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: batch })), ['InvalidPermission.Duplicate']);
    if (await authorize(permissions)) return;
    for (const permission of permissions) await authorize([permission]);
  }

  async revokeGroupIngress(groupId: string, rules: GroupIngressRule[]): Promise<void> {
    if (rules.length === 0) return;
    await this.call('RevokeSecurityGroupIngress', () => this.client.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: rules.map(groupPermission) })), ['InvalidPermission.NotFound']);
  }

  async securityGroupUsers(groupId: string): Promise<string[]> {
    return this.call('DescribeNetworkInterfaces', async () => {
      const users = new Set<string>();
      for await (const page of paginateDescribeNetworkInterfaces({ client: this.client }, { Filters: [{ Name: 'group-id', Values: [groupId] }] })) {
        for (const eni of page.NetworkInterfaces ?? []) users.add(eni.Attachment?.InstanceId ?? eni.NetworkInterfaceId ?? 'an unattached network interface');
      }
      return [...users];
    });
  }

  async deleteSecurityGroup(groupId: string): Promise<'deleted' | 'gone' | 'in-use'> {
    try {
      await this.client.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
      return 'deleted';
    } catch (err) {
      const code = awsErrorCode(err);
      if (code === 'DependencyViolation') return 'in-use';
      if (code === 'InvalidGroup.NotFound') return 'gone';
      throw ec2Failure('DeleteSecurityGroup', err);
    }
  }

  async runInstance(spec: LaunchSpec): Promise<string> {
    const out = await this.call('RunInstances', () => this.client.send(new RunInstancesCommand(runInstancesInput(spec))));
    const id = out.Instances?.[0]?.InstanceId;
    if (!id) throw ec2Failure('RunInstances', new Error('EC2 answered without an instance id'));
    return id;
  }

  async describeInstance(instanceId: string): Promise<InstanceInfo | undefined> {
    const out = await this.call('DescribeInstances', () => this.client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })), ['InvalidInstanceID.NotFound']);
    const instance = out?.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
    return instance ? instanceInfo(instance) : undefined;
  }

  async describeInstances(instanceIds: readonly string[]): Promise<InstanceInfo[]> {
    const found: InstanceInfo[] = [];
    // A filter, not InstanceIds: one id EC2 no longer knows would fail the whole call. EC2 takes up to
    // 200 values per filter and 1000 results per page.
    for (let start = 0; start < instanceIds.length; start += 200) {
      const filters = [{ Name: 'instance-id', Values: instanceIds.slice(start, start + 200) }];
      await this.call('DescribeInstances', async () => {
        for await (const page of paginateDescribeInstances({ client: this.client, pageSize: 1000 }, { Filters: filters })) {
          for (const reservation of page.Reservations ?? []) found.push(...(reservation.Instances ?? []).map(instanceInfo));
        }
      });
    }
    return found;
  }

  async findInstancesByTag(key: string, value: string): Promise<InstanceInfo[]> {
    const filters = [{ Name: `tag:${key}`, Values: [value] }, { Name: 'instance-state-name', Values: LIVE_STATES }];
    return this.call('DescribeInstances', async () => {
      const found: InstanceInfo[] = [];
      for await (const page of paginateDescribeInstances({ client: this.client }, { Filters: filters })) {
        for (const reservation of page.Reservations ?? []) found.push(...(reservation.Instances ?? []).map(instanceInfo));
      }
      return found;
    });
  }

  async waitFor(instanceId: string, target: WaitTarget, options: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
    const waiter = { running: waitUntilInstanceRunning, stopped: waitUntilInstanceStopped, terminated: waitUntilInstanceTerminated }[target];
    const params = {
      client: this.client,
      maxWaitTime: Math.max(1, Math.round(options.timeoutMs / 1000)),
      minDelay: 2,
      maxDelay: 15,
      ...(options.signal ? { abortSignal: options.signal } : {}),
    };
    await this.call('DescribeInstances', () => waiter(params, { InstanceIds: [instanceId] }));
  }

  async startInstance(instanceId: string): Promise<void> {
    await this.call('StartInstances', () => this.client.send(new StartInstancesCommand({ InstanceIds: [instanceId] })));
  }

  async stopInstance(instanceId: string, force: boolean): Promise<void> {
    await this.call('StopInstances', () => this.client.send(new StopInstancesCommand({ InstanceIds: [instanceId], Force: force })));
  }

  async rebootInstance(instanceId: string): Promise<void> {
    await this.call('RebootInstances', () => this.client.send(new RebootInstancesCommand({ InstanceIds: [instanceId] })));
  }

  async terminateInstance(instanceId: string): Promise<void> {
    await this.call('TerminateInstances', () => this.client.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] })), ['InvalidInstanceID.NotFound']);
  }

  async consoleOutput(instanceId: string): Promise<string | undefined> {
    const get = (latest: boolean) => this.client.send(new GetConsoleOutputCommand({ InstanceId: instanceId, ...(latest ? { Latest: true } : {}) }));
    let out;
    try {
      out = await get(true);
    } catch (err) {
      // Only Nitro instances can give the latest console; older types give the last snapshot.
      if (awsErrorCode(err) === 'UnsupportedOperation') out = await this.call('GetConsoleOutput', () => get(false), ['InvalidInstanceID.NotFound']);
      else if (awsErrorCode(err) === 'InvalidInstanceID.NotFound') return undefined;
      else throw ec2Failure('GetConsoleOutput', err);
    }
    return out?.Output ? Buffer.from(out.Output, 'base64').toString('utf8') : undefined;
  }

  /** Runs one EC2 call; the listed error codes mean "not there" and give undefined. */
  private async call<T>(action: string, work: () => Promise<T>): Promise<T>;
  private async call<T>(action: string, work: () => Promise<T>, absentCodes: string[]): Promise<T | undefined>;
  private async call<T>(action: string, work: () => Promise<T>, absentCodes: string[] = []): Promise<T | undefined> {
    try {
      return await work();
    } catch (err) {
      const code = awsErrorCode(err);
      if (code !== undefined && absentCodes.includes(code)) return undefined;
      throw ec2Failure(action, err);
    }
  }
}

function runInstancesInput(spec: LaunchSpec): RunInstancesCommandInput {
  const tags = (type: ResourceType) => tagSpec(type, spec.tags);
  return {
    ImageId: spec.imageId,
    // EC2 knows more instance types than any SDK release lists; the string goes through as typed.
    InstanceType: spec.instanceType as _InstanceType,
    MinCount: 1,
    MaxCount: 1,
    KeyName: spec.keyName,
    ClientToken: spec.clientToken,
    NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: spec.subnetId, Groups: spec.securityGroupIds, AssociatePublicIpAddress: spec.associatePublicIp, DeleteOnTermination: true }],
    BlockDeviceMappings: [
      {
        DeviceName: spec.rootDevice.name,
        Ebs: {
          VolumeSize: spec.rootDevice.sizeGb,
          VolumeType: spec.rootDevice.volumeType as VolumeType,
          DeleteOnTermination: true,
          ...(spec.rootDevice.encrypted ? { Encrypted: true } : {}),
          ...(spec.rootDevice.kmsKeyId ? { KmsKeyId: spec.rootDevice.kmsKeyId } : {}),
        },
      },
    ],
    ...(spec.iamInstanceProfile ? { IamInstanceProfile: 'arn' in spec.iamInstanceProfile ? { Arn: spec.iamInstanceProfile.arn } : { Name: spec.iamInstanceProfile.name } } : {}),
    TagSpecifications: [tags('instance'), tags('volume'), tags('network-interface')],
    MetadataOptions: { HttpTokens: spec.metadata.tokens, HttpEndpoint: 'enabled', HttpPutResponseHopLimit: spec.metadata.hopLimit },
    ...(spec.spot
      ? { InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate', ...(spec.spot.maxPrice ? { MaxPrice: spec.spot.maxPrice } : {}) } } }
      : {}),
    ...(spec.userData !== undefined ? { UserData: Buffer.from(spec.userData).toString('base64') } : {}),
    Monitoring: { Enabled: spec.monitoring },
    EbsOptimized: spec.ebsOptimized,
  };
}

function tagSpec(type: ResourceType, tags: ResourceTags): { ResourceType: ResourceType; Tags: Tag[] } {
  return { ResourceType: type, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
}

function tagsOf(tags: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key as string, t.Value ?? '']));
}

function subnetInfo(subnet: Subnet): SubnetInfo {
  return { subnetId: subnet.SubnetId ?? '', vpcId: subnet.VpcId ?? '', availabilityZone: subnet.AvailabilityZone ?? '', defaultForAz: subnet.DefaultForAz === true };
}

function imageInfo(image: Image): ImageInfo {
  return {
    imageId: image.ImageId ?? '',
    name: image.Name ?? '',
    architecture: String(image.Architecture ?? ''),
    creationDate: image.CreationDate ?? '',
    rootDeviceName: image.RootDeviceName ?? '/dev/sda1',
  };
}

function cidrPermission(rule: IngressRule): IpPermission {
  return { IpProtocol: rule.protocol, FromPort: rule.port, ToPort: rule.port, IpRanges: [{ CidrIp: rule.cidr, Description: rule.description }] };
}

function groupPermission(rule: GroupIngressRule): IpPermission {
  return { IpProtocol: rule.protocol, FromPort: rule.port, ToPort: rule.port, UserIdGroupPairs: [{ GroupId: rule.sourceGroupId, Description: rule.description }] };
}

function securityGroupInfo(group: SecurityGroup): SecurityGroupInfo {
  const ingress = (group.IpPermissions ?? []).flatMap((p) => {
    if (p.FromPort === undefined || p.FromPort !== p.ToPort) return [];
    return [...(p.IpRanges ?? []).map((r) => `${p.IpProtocol}:${p.FromPort}:${r.CidrIp}`), ...(p.UserIdGroupPairs ?? []).map((g) => `${p.IpProtocol}:${p.FromPort}:${g.GroupId}`)];
  });
  return { groupId: group.GroupId ?? '', groupName: group.GroupName ?? '', vpcId: group.VpcId ?? '', tags: tagsOf(group.Tags), ingress };
}

function instanceInfo(instance: Instance): InstanceInfo {
  const state = instance.State?.Name;
  return {
    instanceId: instance.InstanceId ?? '',
    state: isEc2InstanceState(state) ? state : 'pending',
    ...(instance.PublicIpAddress ? { publicIp: instance.PublicIpAddress } : {}),
    ...(instance.PrivateIpAddress ? { privateIp: instance.PrivateIpAddress } : {}),
    ...(instance.StateReason?.Message ? { stateReason: instance.StateReason.Message } : {}),
    tags: tagsOf(instance.Tags),
  };
}
