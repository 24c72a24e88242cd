/**
 * Everything the amazonec2 driver asks of EC2, in the driver's own terms. sdk-port.ts implements it
 * with @aws-sdk/client-ec2; unit tests give the driver a fake of this interface. Methods that look
 * something up answer undefined for "does not exist" and throw only for real failures.
 */
export type Ec2InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';

export interface SubnetInfo {
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  defaultForAz: boolean;
}

export interface ImageInfo {
  imageId: string;
  name: string;
  architecture: string;
  creationDate: string;
  rootDeviceName: string;
}

export interface SecurityGroupInfo {
  groupId: string;
  groupName: string;
  vpcId: string;
  tags: Record<string, string>;
  /** Ingress rules as `proto:port:cidr` strings (`proto:port:sg-...` for a group source), for comparing with the rules we want. */
  ingress: string[];
}

export interface IngressRule {
  protocol: 'tcp' | 'udp';
  port: number;
  cidr: string;
  description: string;
}

/** A rule whose source is a security group (EC2's UserIdGroupPairs) instead of a CIDR. */
export interface GroupIngressRule {
  protocol: 'tcp' | 'udp';
  port: number;
  sourceGroupId: string;
  description: string;
}

export interface InstanceInfo {
  instanceId: string;
  state: Ec2InstanceState;
  publicIp?: string;
  privateIp?: string;
  /** Why EC2 stopped or terminated it, when it says. */
  stateReason?: string;
  tags: Record<string, string>;
}

export type ResourceTags = Record<string, string>;

/** The RunInstances request, already decided by launch-spec.ts. */
export interface LaunchSpec {
  imageId: string;
  instanceType: string;
  keyName: string;
  subnetId: string;
  securityGroupIds: string[];
  associatePublicIp: boolean;
  rootDevice: { name: string; sizeGb: number; volumeType: string; encrypted: boolean; kmsKeyId?: string };
  iamInstanceProfile?: { name: string } | { arn: string };
  /** Tags for the instance, its volumes and its network interface alike. */
  tags: ResourceTags;
  metadata: { tokens: 'required' | 'optional'; hopLimit: number };
  spot?: { maxPrice?: string };
  userData?: string;
  monitoring: boolean;
  ebsOptimized: boolean;
  /** Idempotency token: a retried RunInstances with the same token launches nothing new. */
  clientToken: string;
}

export type WaitTarget = 'running' | 'stopped' | 'terminated';

export interface Ec2Port {
  defaultVpcId(): Promise<string | undefined>;
  describeSubnet(subnetId: string): Promise<SubnetInfo | undefined>;
  subnetsIn(vpcId: string, availabilityZone: string): Promise<SubnetInfo[]>;
  /** Architectures the instance type runs; undefined when EC2 does not know the type. */
  instanceTypeArchitectures(instanceType: string): Promise<string[] | undefined>;
  describeImage(imageId: string): Promise<ImageInfo | undefined>;
  /** Images of `owner` whose name matches the pattern (EC2 `*` wildcards), every page. */
  findImages(owner: string, namePattern: string, architecture: string): Promise<ImageInfo[]>;

  importKeyPair(name: string, publicKey: string, tags: ResourceTags): Promise<void>;
  /** Success when the key pair does not exist. */
  deleteKeyPair(name: string): Promise<void>;

  findSecurityGroup(name: string, vpcId: string): Promise<SecurityGroupInfo | undefined>;
  createSecurityGroup(name: string, description: string, vpcId: string, tags: ResourceTags): Promise<string>;
  /** Adds rules; a rule already there is not an error. */
  authorizeIngress(groupId: string, rules: IngressRule[]): Promise<void>;
  /** Adds rules whose source is a group; a rule already there is not an error. */
  authorizeGroupIngress(groupId: string, rules: GroupIngressRule[]): Promise<void>;
  /** Removes such rules; a rule already gone is not an error. */
  revokeGroupIngress(groupId: string, rules: GroupIngressRule[]): Promise<void>;
  /** Instances (other than terminated ones) whose network interfaces use the group. */
  securityGroupUsers(groupId: string): Promise<string[]>;
  /** 'in-use' when EC2 refuses because something still uses it; 'gone' when it did not exist. */
  deleteSecurityGroup(groupId: string): Promise<'deleted' | 'gone' | 'in-use'>;

  runInstance(spec: LaunchSpec): Promise<string>;
  describeInstance(instanceId: string): Promise<InstanceInfo | undefined>;
  /** Those of the instances that exist, in few calls (an id filter, large pages); missing ids are no error. */
  describeInstances(instanceIds: readonly string[]): Promise<InstanceInfo[]>;
  /** Instances carrying the tag, in any state but terminated. */
  findInstancesByTag(key: string, value: string): Promise<InstanceInfo[]>;
  /** The SDK's waiter; a just-launched id that EC2 does not know yet is retried, not an error. */
  waitFor(instanceId: string, target: WaitTarget, options: { timeoutMs: number; signal?: AbortSignal }): Promise<void>;
  startInstance(instanceId: string): Promise<void>;
  stopInstance(instanceId: string, force: boolean): Promise<void>;
  rebootInstance(instanceId: string): Promise<void>;
  /** Success when the instance does not exist. */
  terminateInstance(instanceId: string): Promise<void>;
  /** The console text (decoded), or undefined when EC2 has none yet. */
  consoleOutput(instanceId: string): Promise<string | undefined>;
}
