import type { Ec2Context, Handler } from './context';
import { matchesFilters, page } from './filters';
import type { Instance, IngressRule, SecurityGroup, Subnet } from './model';
import { Ec2Error } from './query';
import { type XmlValue, tagSet } from './xml';

const describeVpcs: Handler = (params, ctx) => {
  const fields = (isDefault: boolean, vpcId: string) => (name: string) => ({ 'is-default': [String(isDefault)], 'vpc-id': [vpcId] })[name];
  const found = ctx.vpcs.filter((v) => matchesFilters(params, fields(v.isDefault, v.vpcId), {}));
  return { vpcSet: found.map((v) => ({ vpcId: v.vpcId, state: 'available', cidrBlock: v.cidrBlock, isDefault: v.isDefault, ownerId: '123456789012' })) };
};

function subnetXml(s: Subnet): XmlValue {
  return { subnetId: s.subnetId, vpcId: s.vpcId, state: 'available', cidrBlock: s.cidrBlock, availabilityZone: s.availabilityZone, defaultForAz: s.defaultForAz, mapPublicIpOnLaunch: true, availableIpAddressCount: 4000 };
}

const describeSubnets: Handler = (params, ctx) => {
  const ids = params.list('SubnetId');
  for (const id of ids) if (!ctx.subnets.some((s) => s.subnetId === id)) throw new Ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
  const fields = (s: Subnet) => (name: string) => ({ 'vpc-id': [s.vpcId], 'availability-zone': [s.availabilityZone], 'default-for-az': [String(s.defaultForAz)], 'subnet-id': [s.subnetId] })[name];
  const found = ctx.subnets.filter((s) => (ids.length === 0 || ids.includes(s.subnetId)) && matchesFilters(params, fields(s), {}));
  const { items, nextToken } = page(found, params, ctx.pageSize);
  return { subnetSet: items.map(subnetXml), nextToken };
};

function groupXml(g: SecurityGroup): XmlValue {
  const permissions = g.ingress.map((r) => ({
    ipProtocol: r.protocol,
    fromPort: r.port,
    toPort: r.port,
    ...(r.sourceGroupId ? { groups: [{ groupId: r.sourceGroupId, userId: '123456789012', description: r.description }] } : { ipRanges: [{ cidrIp: r.cidr, description: r.description }] }),
  }));
  return { ownerId: '123456789012', groupId: g.groupId, groupName: g.name, groupDescription: g.description, vpcId: g.vpcId, ipPermissions: permissions, ipPermissionsEgress: [{ ipProtocol: '-1', ipRanges: [{ cidrIp: '0.0.0.0/0' }] }], tagSet: tagSet(g.tags) };
}

function groupById(ctx: Ec2Context, groupId: string): SecurityGroup {
  const group = ctx.groups.get(groupId);
  if (!group) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
  return group;
}

const createSecurityGroup: Handler = (params, ctx) => {
  const name = params.required('GroupName');
  const vpcId = params.get('VpcId') ?? ctx.vpcs.find((v) => v.isDefault)?.vpcId ?? '';
  if (!ctx.vpcs.some((v) => v.vpcId === vpcId)) throw new Ec2Error('InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
  if ([...ctx.groups.values()].some((g) => g.name === name && g.vpcId === vpcId)) throw new Ec2Error('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpcId}'`);
  const group: SecurityGroup = { groupId: ctx.id('sg'), name, description: params.required('GroupDescription'), vpcId, tags: params.tagSpecifications().get('security-group') ?? {}, ingress: [] };
  ctx.groups.set(group.groupId, group);
  return { groupId: group.groupId, tagSet: tagSet(group.tags) };
};

const describeSecurityGroups: Handler = (params, ctx) => {
  const ids = params.list('GroupId');
  const names = params.list('GroupName');
  for (const id of ids) groupById(ctx, id);
  const fields = (g: SecurityGroup) => (name: string) => ({ 'group-name': [g.name], 'group-id': [g.groupId], 'vpc-id': [g.vpcId] })[name];
  const found = [...ctx.groups.values()].filter((g) => (ids.length === 0 || ids.includes(g.groupId)) && (names.length === 0 || names.includes(g.name)) && matchesFilters(params, fields(g), g.tags));
  const { items, nextToken } = page(found, params, ctx.pageSize);
  return { securityGroupInfo: items.map(groupXml), nextToken };
};

/** The rules of an IpPermissions list: one per CIDR (IpRanges) and one per source group (Groups, the SDK's UserIdGroupPairs). */
function permissionRules(params: Parameters<Handler>[0], ctx: Ec2Context): IngressRule[] {
  return params.structs('IpPermissions').flatMap((p) => {
    const from = p.int('FromPort');
    if (from === undefined || from !== p.int('ToPort')) throw new Ec2Error('InvalidParameterValue', 'this fake supports single-port rules only');
    const protocol = p.required('IpProtocol');
    const description = (s: { get(name: string): string | undefined }) => (s.get('Description') ? { description: s.get('Description') } : {});
    const byCidr = p.structs('IpRanges').map((r): IngressRule => ({ protocol, port: from, cidr: r.required('CidrIp'), ...description(r) }));
    const byGroup = p.structs('Groups').map((g): IngressRule => ({ protocol, port: from, sourceGroupId: groupById(ctx, g.required('GroupId')).groupId, ...description(g) }));
    return [...byCidr, ...byGroup];
  });
}

const ruleKey = (r: IngressRule) => `${r.protocol}:${r.port}:${r.cidr ?? r.sourceGroupId ?? ''}`;

const authorizeIngress: Handler = (params, ctx) => {
  const group = groupById(ctx, params.required('GroupId'));
  const rules = permissionRules(params, ctx);
  const present = new Set(group.ingress.map(ruleKey));
  const duplicate = rules.find((r) => present.has(ruleKey(r)));
  // EC2 adds none of the batch when one rule already exists.
  if (duplicate) throw new Ec2Error('InvalidPermission.Duplicate', `the specified rule "peer: ${duplicate.cidr ?? duplicate.sourceGroupId}, ${duplicate.protocol.toUpperCase()}, from port: ${duplicate.port}, to port: ${duplicate.port}, ALLOW" already exists`);
  group.ingress.push(...rules);
  return { return: true };
};

/** EC2 removes the rules that exist; asking for one that does not is an error naming it. */
const revokeIngress: Handler = (params, ctx) => {
  const group = groupById(ctx, params.required('GroupId'));
  const rules = permissionRules(params, ctx);
  const present = new Set(group.ingress.map(ruleKey));
  const missing = rules.find((r) => !present.has(ruleKey(r)));
  if (missing) throw new Ec2Error('InvalidPermission.NotFound', `The specified rule does not exist in this security group.`);
  const gone = new Set(rules.map(ruleKey));
  group.ingress = group.ingress.filter((r) => !gone.has(ruleKey(r)));
  return { return: true };
};

/** An instance's interface uses its groups until the instance is terminated. */
function liveUsers(ctx: Ec2Context, groupId: string): Instance[] {
  return [...ctx.instances.values()].filter((i) => i.state !== 'terminated' && i.groupIds.includes(groupId));
}

const deleteSecurityGroup: Handler = (params, ctx) => {
  const group = groupById(ctx, params.required('GroupId'));
  if (group.name === 'default') throw new Ec2Error('CannotDelete', 'the specified group: "default" cannot be deleted');
  const users = liveUsers(ctx, group.groupId);
  if (users.length > 0) throw new Ec2Error('DependencyViolation', `resource ${group.groupId} has a dependent object`);
  ctx.groups.delete(group.groupId);
  return { return: true };
};

const describeNetworkInterfaces: Handler = (params, ctx) => {
  const live = [...ctx.instances.values()].filter((i) => i.state !== 'terminated');
  const fields = (i: Instance) => (name: string) => ({ 'group-id': i.groupIds, 'attachment.instance-id': [i.instanceId], 'vpc-id': [i.vpcId], 'subnet-id': [i.subnetId] })[name];
  const found = live.filter((i) => matchesFilters(params, fields(i), i.networkInterfaceTags));
  const { items, nextToken } = page(found, params, ctx.pageSize);
  return {
    networkInterfaceSet: items.map((i) => ({
      networkInterfaceId: i.networkInterfaceId,
      subnetId: i.subnetId,
      vpcId: i.vpcId,
      availabilityZone: i.availabilityZone,
      status: 'in-use',
      privateIpAddress: i.privateIp,
      groupSet: i.groupIds.map((groupId) => ({ groupId, groupName: ctx.groups.get(groupId)?.name })),
      attachment: { attachmentId: `eni-attach-${i.instanceId.slice(2)}`, instanceId: i.instanceId, deviceIndex: 0, status: 'attached' },
      tagSet: tagSet(i.networkInterfaceTags),
    })),
    nextToken,
  };
};

/** Tags on anything by id. */
function taggable(ctx: Ec2Context, id: string): Record<string, string> {
  const instance = ctx.instances.get(id);
  if (instance) return instance.tags;
  const group = ctx.groups.get(id);
  if (group) return group.tags;
  const volume = [...ctx.instances.values()].flatMap((i) => i.volumes).find((v) => v.volumeId === id);
  if (volume) return volume.tags;
  throw new Ec2Error('InvalidID', `The ID '${id}' is not valid`);
}

const createTags: Handler = (params, ctx) => {
  const tags = params.structs('Tag').map((t) => [t.required('Key'), t.get('Value') ?? ''] as const);
  for (const id of params.list('ResourceId')) for (const [k, v] of tags) taggable(ctx, id)[k] = v;
  return { return: true };
};

const deleteTags: Handler = (params, ctx) => {
  const keys = params.structs('Tag').map((t) => t.required('Key'));
  for (const id of params.list('ResourceId')) for (const k of keys) delete taggable(ctx, id)[k];
  return { return: true };
};

export const networkActions: Record<string, Handler> = {
  DescribeVpcs: describeVpcs,
  DescribeSubnets: describeSubnets,
  CreateSecurityGroup: createSecurityGroup,
  DescribeSecurityGroups: describeSecurityGroups,
  AuthorizeSecurityGroupIngress: authorizeIngress,
  RevokeSecurityGroupIngress: revokeIngress,
  DeleteSecurityGroup: deleteSecurityGroup,
  DescribeNetworkInterfaces: describeNetworkInterfaces,
  CreateTags: createTags,
  DeleteTags: deleteTags,
};
