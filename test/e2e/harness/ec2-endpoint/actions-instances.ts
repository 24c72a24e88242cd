import { INSTANCE_TYPES } from './catalog';
import type { Ec2Context, Handler } from './context';
import { matchesFilters, page } from './filters';
import { type Instance, type InstanceStateName, STATE_CODES, type Volume } from './model';
import { Ec2Error, type QueryParams } from './query';
import { type XmlValue, tagSet } from './xml';

function stateXml(state: InstanceStateName): XmlValue {
  return { code: STATE_CODES[state], name: state };
}

function instanceXml(i: Instance, ctx: Ec2Context): XmlValue {
  return {
    instanceId: i.instanceId,
    imageId: i.imageId,
    instanceState: stateXml(i.state),
    privateDnsName: `ip-${i.privateIp.replace(/\./g, '-')}.ec2.internal`,
    keyName: i.keyName,
    amiLaunchIndex: 0,
    instanceType: i.instanceType,
    launchTime: i.launchTime,
    placement: { availabilityZone: i.availabilityZone, tenancy: 'default' },
    monitoring: { state: i.monitoring ? 'enabled' : 'disabled' },
    subnetId: i.subnetId,
    vpcId: i.vpcId,
    privateIpAddress: i.privateIp,
    ipAddress: i.publicIp,
    groupSet: i.groupIds.map((groupId) => ({ groupId, groupName: ctx.groups.get(groupId)?.name })),
    stateReason: i.stateReason ? { code: 'Client.UserInitiatedShutdown', message: i.stateReason } : undefined,
    architecture: ctx.images.find((img) => img.imageId === i.imageId)?.architecture,
    rootDeviceType: 'ebs',
    rootDeviceName: i.volumes[0]?.deviceName ?? '/dev/sda1',
    blockDeviceMapping: i.volumes.map((v) => ({ deviceName: v.deviceName, ebs: { volumeId: v.volumeId, status: 'attached', deleteOnTermination: v.deleteOnTermination } })),
    instanceLifecycle: i.spot ? 'spot' : undefined,
    virtualizationType: 'hvm',
    clientToken: i.clientToken,
    tagSet: tagSet(i.tags),
    networkInterfaceSet: [{ networkInterfaceId: i.networkInterfaceId, subnetId: i.subnetId, vpcId: i.vpcId, status: 'in-use', privateIpAddress: i.privateIp, association: i.publicIp ? { publicIp: i.publicIp } : undefined, attachment: { deviceIndex: 0, status: 'attached' } }],
    ebsOptimized: i.ebsOptimized,
    metadataOptions: { state: 'applied', ...i.metadataOptions },
    iamInstanceProfile: i.iamInstanceProfile ? { arn: i.iamInstanceProfile.startsWith('arn:') ? i.iamInstanceProfile : `arn:aws:iam::123456789012:instance-profile/${i.iamInstanceProfile}` } : undefined,
  };
}

/** An instance the caller may see: unknown and just-launched-but-not-yet-visible ids are NotFound. */
function visible(ctx: Ec2Context, id: string): Instance {
  const instance = ctx.instances.get(id);
  if (!instance) throw new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
  if (instance.hiddenFor > 0) {
    instance.hiddenFor--;
    throw new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
  }
  return instance;
}

/**
 * Guest boots, stops and terminations run in the background, as on EC2: calls return at once. Work
 * queues behind the instance's earlier work, except termination, which EC2 starts at once even for a
 * pending instance (a boot still under way sees the new state and gives its guest up).
 */
function background(ctx: Ec2Context, instanceId: string, work: () => Promise<void>, options: { now?: boolean } = {}): void {
  const previous = ctx.inFlight.get(instanceId) ?? Promise.resolve();
  const next = options.now ? work() : previous.then(work, work);
  ctx.inFlight.set(instanceId, Promise.all([previous, next.catch(() => undefined)]).then(() => undefined));
}

async function bootGuest(ctx: Ec2Context, instance: Instance): Promise<void> {
  if (ctx.pendingMs > 0) await new Promise((resolve) => setTimeout(resolve, ctx.pendingMs));
  if (instance.state !== 'pending') return;
  const key = instance.keyName ? ctx.keyPairs.get(instance.keyName) : undefined;
  try {
    const guest = await ctx.backend.boot({
      instanceId: instance.instanceId,
      hostname: `ip-${instance.privateIp.replace(/\./g, '-')}`,
      user: 'ubuntu',
      authorizedKey: key?.publicKey ?? '',
      addresses: [instance.publicIp, instance.privateIp].filter((a): a is string => a !== undefined),
    });
    // Terminated or stopped while booting: the guest must not outlive that.
    if (instance.state === 'pending') {
      ctx.guests.set(instance.instanceId, guest);
      instance.state = 'running';
    } else {
      await guest.kill();
    }
  } catch (err) {
    // A boot cut short by termination is not a launch failure.
    if (instance.state !== 'pending') return;
    instance.state = 'terminated';
    instance.stateReason = `Server.InternalError: ${err instanceof Error ? err.message : String(err)}`;
    instance.publicIp = undefined;
  }
}

function volumesFrom(params: QueryParams, ctx: Ec2Context, rootDeviceName: string, tags: Record<string, string>): Volume[] {
  const mappings = params.structs('BlockDeviceMapping');
  const root = mappings.find((m) => m.get('DeviceName') === rootDeviceName);
  const volume = (deviceName: string, m: QueryParams | undefined): Volume => ({
    volumeId: ctx.id('vol'),
    deviceName,
    size: m?.int('Ebs.VolumeSize') ?? 8,
    volumeType: m?.get('Ebs.VolumeType') ?? 'gp3',
    encrypted: m?.bool('Ebs.Encrypted') ?? false,
    ...(m?.get('Ebs.KmsKeyId') ? { kmsKeyId: m.get('Ebs.KmsKeyId') } : {}),
    deleteOnTermination: m?.bool('Ebs.DeleteOnTermination') ?? true,
    tags: { ...tags },
  });
  // A mapping for another device name is an extra volume, as on EC2.
  return [volume(rootDeviceName, root), ...mappings.filter((m) => m !== root).map((m) => volume(m.required('DeviceName'), m))];
}

const runInstances: Handler = (params, ctx) => {
  const clientToken = params.get('ClientToken');
  const earlier = clientToken ? [...ctx.instances.values()].find((i) => i.clientToken === clientToken) : undefined;
  if (earlier) return { reservationId: earlier.reservationId, ownerId: '123456789012', instancesSet: [instanceXml(earlier, ctx)] };

  const image = ctx.images.find((i) => i.imageId === params.required('ImageId'));
  if (!image) throw new Ec2Error('InvalidAMIID.NotFound', `The image id '[${params.get('ImageId')}]' does not exist`);
  const instanceType = params.get('InstanceType') ?? 'm1.small';
  const arch = INSTANCE_TYPES[instanceType];
  if (!arch) throw new Ec2Error('InvalidParameterValue', `Invalid value '${instanceType}' for InstanceType.`);
  if (!arch.includes(image.architecture)) throw new Ec2Error('InvalidParameterValue', `The architecture '${arch.join(',')}' of the specified instance type does not match the architecture '${image.architecture}' of the specified AMI.`);
  const keyName = params.get('KeyName');
  if (keyName && !ctx.keyPairs.has(keyName)) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${keyName}' does not exist`);

  const nic = params.structs('NetworkInterface')[0];
  const subnetId = nic?.get('SubnetId') ?? params.get('SubnetId') ?? ctx.subnets.find((s) => s.defaultForAz)?.subnetId;
  const subnet = ctx.subnets.find((s) => s.subnetId === subnetId);
  if (!subnet) throw new Ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
  const groupIds = nic ? nic.list('SecurityGroupId') : params.list('SecurityGroupId');
  for (const id of groupIds) {
    const group = ctx.groups.get(id);
    if (!group) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    if (group.vpcId !== subnet.vpcId) throw new Ec2Error('InvalidParameter', `Security group ${id} and subnet ${subnet.subnetId} belong to different networks.`);
  }
  if (groupIds.length === 0) groupIds.push(...[...ctx.groups.values()].filter((g) => g.name === 'default' && g.vpcId === subnet.vpcId).map((g) => g.groupId));

  const tagSpecs = params.tagSpecifications();
  const associatePublicIp = nic?.bool('AssociatePublicIpAddress') ?? true;
  const market = params.nested('InstanceMarketOptions');
  const instance: Instance = {
    instanceId: ctx.id('i'),
    reservationId: ctx.id('r'),
    imageId: image.imageId,
    instanceType,
    ...(keyName ? { keyName } : {}),
    subnetId: subnet.subnetId,
    vpcId: subnet.vpcId,
    availabilityZone: subnet.availabilityZone,
    groupIds,
    state: 'pending',
    privateIp: ctx.nextPrivateIp(),
    ...(associatePublicIp ? { publicIp: ctx.nextPublicIp() } : {}),
    associatePublicIp,
    tags: tagSpecs.get('instance') ?? {},
    networkInterfaceId: ctx.id('eni'),
    networkInterfaceTags: tagSpecs.get('network-interface') ?? {},
    volumes: volumesFrom(params, ctx, image.rootDeviceName, tagSpecs.get('volume') ?? {}),
    metadataOptions: {
      httpTokens: params.get('MetadataOptions.HttpTokens') ?? 'optional',
      httpEndpoint: params.get('MetadataOptions.HttpEndpoint') ?? 'enabled',
      httpPutResponseHopLimit: params.int('MetadataOptions.HttpPutResponseHopLimit') ?? 1,
    },
    ...(market.get('MarketType') === 'spot' ? { spot: market.get('SpotOptions.MaxPrice') ? { maxPrice: market.get('SpotOptions.MaxPrice') } : {} } : {}),
    ...(params.get('IamInstanceProfile.Name') || params.get('IamInstanceProfile.Arn') ? { iamInstanceProfile: params.get('IamInstanceProfile.Arn') ?? params.get('IamInstanceProfile.Name') } : {}),
    ...(params.get('UserData') ? { userData: Buffer.from(params.get('UserData') ?? '', 'base64').toString('utf8') } : {}),
    monitoring: params.bool('Monitoring.Enabled') ?? false,
    ebsOptimized: params.bool('EbsOptimized') ?? false,
    ...(clientToken ? { clientToken } : {}),
    launchTime: new Date().toISOString(),
    hiddenFor: ctx.hideNewInstancesFor,
  };
  ctx.hideNewInstancesFor = 0;
  ctx.instances.set(instance.instanceId, instance);
  background(ctx, instance.instanceId, () => bootGuest(ctx, instance));
  return { reservationId: instance.reservationId, ownerId: '123456789012', groupSet: [], instancesSet: [instanceXml(instance, ctx)] };
};

const describeInstances: Handler = (params, ctx) => {
  const ids = params.list('InstanceId');
  const chosen = ids.length > 0 ? ids.map((id) => visible(ctx, id)) : [...ctx.instances.values()].filter((i) => i.hiddenFor === 0);
  const fields = (i: Instance) => (name: string) => ({ 'instance-state-name': [i.state], 'instance-id': [i.instanceId], 'client-token': i.clientToken ? [i.clientToken] : [], 'vpc-id': [i.vpcId], 'subnet-id': [i.subnetId] })[name];
  const found = chosen.filter((i) => matchesFilters(params, fields(i), i.tags));
  const { items, nextToken } = page(found, params, ctx.pageSize);
  return { reservationSet: items.map((i) => ({ reservationId: i.reservationId, ownerId: '123456789012', groupSet: [], instancesSet: [instanceXml(i, ctx)] })), nextToken };
};

/** The state change answer Start/Stop/Terminate give, for each id. */
function transition(params: QueryParams, ctx: Ec2Context, change: (i: Instance) => InstanceStateName): Record<string, XmlValue> {
  const instances = params.list('InstanceId').map((id) => visible(ctx, id));
  const changes = instances.map((i) => {
    const previous = i.state;
    const current = change(i);
    return { instanceId: i.instanceId, previousState: stateXml(previous), currentState: stateXml(current) };
  });
  return { instancesSet: changes };
}

function incorrectState(i: Instance, action: string): Ec2Error {
  return new Ec2Error('IncorrectInstanceState', `The instance '${i.instanceId}' is not in a state from which it can be ${action}.`);
}

const stopInstances: Handler = (params, ctx) =>
  transition(params, ctx, (i) => {
    if (i.state === 'stopped' || i.state === 'stopping') return i.state;
    if (i.state !== 'running' && i.state !== 'pending') throw incorrectState(i, 'stopped');
    i.state = 'stopping';
    const force = params.bool('Force') ?? false;
    background(ctx, i.instanceId, async () => {
      const guest = ctx.guests.get(i.instanceId);
      if (guest) await (force ? guest.kill() : guest.powerDown(90_000));
      ctx.guests.delete(i.instanceId);
      // Without an Elastic IP the public address goes back to the pool.
      i.publicIp = undefined;
      if (i.state === 'stopping') i.state = 'stopped';
    });
    return 'stopping';
  });

const startInstances: Handler = (params, ctx) =>
  transition(params, ctx, (i) => {
    if (i.state === 'running' || i.state === 'pending') return i.state;
    if (i.state !== 'stopped') throw incorrectState(i, 'started');
    i.state = 'pending';
    if (i.associatePublicIp) i.publicIp = ctx.nextPublicIp();
    background(ctx, i.instanceId, () => bootGuest(ctx, i));
    return 'pending';
  });

const rebootInstances: Handler = (params, ctx) => {
  for (const i of params.list('InstanceId').map((id) => visible(ctx, id))) {
    if (i.state !== 'running') throw incorrectState(i, 'rebooted');
    background(ctx, i.instanceId, async () => {
      await ctx.guests.get(i.instanceId)?.kill();
      i.state = 'pending';
      await bootGuest(ctx, i);
    });
  }
  return { return: true };
};

const terminateInstances: Handler = (params, ctx) =>
  transition(params, ctx, (i) => {
    if (i.state === 'terminated' || i.state === 'shutting-down') return i.state;
    i.state = 'shutting-down';
    background(ctx, i.instanceId, async () => {
      await ctx.guests.get(i.instanceId)?.kill();
      ctx.guests.delete(i.instanceId);
      i.publicIp = undefined;
      i.volumes = i.volumes.filter((v) => !v.deleteOnTermination);
      i.state = 'terminated';
    }, { now: true });
    // The disk goes after a boot still under way has seen the new state and given its guest up: deleting
    // the folder while that boot writes into it fails (ENOTEMPTY), and left the instance shutting down forever.
    background(ctx, i.instanceId, () => ctx.backend.discard(i.instanceId));
    return 'shutting-down';
  });

const getConsoleOutput: Handler = async (params, ctx) => {
  const instance = visible(ctx, params.required('InstanceId'));
  const text = (await ctx.guests.get(instance.instanceId)?.consoleText()) ?? '';
  const tail = Buffer.from(text).subarray(-64 * 1024);
  return { instanceId: instance.instanceId, timestamp: new Date().toISOString(), output: tail.length > 0 ? tail.toString('base64') : undefined };
};

const describeVolumes: Handler = (params, ctx) => {
  const attached = [...ctx.instances.values()].flatMap((i) => i.volumes.map((v) => ({ v, i })));
  const ids = params.list('VolumeId');
  for (const id of ids) if (!attached.some(({ v }) => v.volumeId === id)) throw new Ec2Error('InvalidVolume.NotFound', `The volume '${id}' does not exist.`);
  const fields = (v: Volume, i: Instance) => (name: string) => ({ 'volume-id': [v.volumeId], 'attachment.instance-id': [i.instanceId] })[name];
  const found = attached.filter(({ v, i }) => (ids.length === 0 || ids.includes(v.volumeId)) && matchesFilters(params, fields(v, i), v.tags));
  const { items, nextToken } = page(found, params, ctx.pageSize);
  return {
    volumeSet: items.map(({ v, i }) => ({
      volumeId: v.volumeId,
      size: v.size,
      volumeType: v.volumeType,
      encrypted: v.encrypted,
      kmsKeyId: v.kmsKeyId,
      availabilityZone: i.availabilityZone,
      status: 'in-use',
      attachmentSet: [{ volumeId: v.volumeId, instanceId: i.instanceId, device: v.deviceName, status: 'attached', deleteOnTermination: v.deleteOnTermination }],
      tagSet: tagSet(v.tags),
    })),
    nextToken,
  };
};

export const instanceActions: Record<string, Handler> = {
  RunInstances: runInstances,
  DescribeInstances: describeInstances,
  StopInstances: stopInstances,
  StartInstances: startInstances,
  RebootInstances: rebootInstances,
  TerminateInstances: terminateInstances,
  GetConsoleOutput: getConsoleOutput,
  DescribeVolumes: describeVolumes,
};
