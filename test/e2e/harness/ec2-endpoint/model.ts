/** The fake EC2's resources, as EC2 would hold them. Fields are what tests and responses need. */
export type InstanceStateName = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';

export const STATE_CODES: Record<InstanceStateName, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };

export interface Vpc {
  vpcId: string;
  isDefault: boolean;
  cidrBlock: string;
}

export interface Subnet {
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  defaultForAz: boolean;
  cidrBlock: string;
}

export interface Image {
  imageId: string;
  name: string;
  ownerId: string;
  architecture: 'x86_64' | 'arm64';
  creationDate: string;
  rootDeviceName: string;
}

export interface KeyPair {
  keyName: string;
  keyPairId: string;
  publicKey: string;
  fingerprint: string;
  tags: Record<string, string>;
}

/** One rule: its source is a CIDR, or a security group (EC2's UserIdGroupPairs). */
export interface IngressRule {
  protocol: string;
  port: number;
  cidr?: string;
  sourceGroupId?: string;
  description?: string;
}

export interface SecurityGroup {
  groupId: string;
  name: string;
  description: string;
  vpcId: string;
  tags: Record<string, string>;
  ingress: IngressRule[];
}

export interface Volume {
  volumeId: string;
  size: number;
  volumeType: string;
  encrypted: boolean;
  kmsKeyId?: string;
  deviceName: string;
  deleteOnTermination: boolean;
  tags: Record<string, string>;
}

export interface Instance {
  instanceId: string;
  reservationId: string;
  imageId: string;
  instanceType: string;
  keyName?: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  groupIds: string[];
  state: InstanceStateName;
  stateReason?: string;
  publicIp?: string;
  privateIp: string;
  associatePublicIp: boolean;
  tags: Record<string, string>;
  networkInterfaceId: string;
  networkInterfaceTags: Record<string, string>;
  volumes: Volume[];
  metadataOptions: { httpTokens: string; httpEndpoint: string; httpPutResponseHopLimit: number };
  spot?: { maxPrice?: string };
  iamInstanceProfile?: string;
  userData?: string;
  monitoring: boolean;
  ebsOptimized: boolean;
  clientToken?: string;
  launchTime: string;
  /** DescribeInstances answers NotFound for it this many more times (eventual consistency). */
  hiddenFor: number;
}

/** What a test can look at: everything the fake holds, copied. */
export interface Ec2Snapshot {
  keyPairs: Array<{ name: string; tags: Record<string, string> }>;
  securityGroups: Array<{ groupId: string; name: string; vpcId: string; tags: Record<string, string>; ingress: IngressRule[] }>;
  instances: Array<Omit<Instance, 'hiddenFor'>>;
  volumes: Volume[];
}

export interface RequestRecord {
  action: string;
  params: Record<string, string>;
  accessKeyId?: string;
  /** The EC2 error code answered, when the request failed. */
  error?: string;
  /** The XML answered, when the request succeeded (tests check it against the SDK's schema). */
  response?: string;
}
