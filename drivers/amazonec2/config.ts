import * as path from 'node:path';
import { UsageError } from '../../src/core/errors';
import type { ConfigShape } from '../../src/core/stored-config';
import { boolFlag, intFlag, listFlag, stringFlag, type FlagValues } from '../../src/util/flag-values';

export const VOLUME_TYPES = ['gp3', 'gp2', 'io1', 'io2', 'st1', 'sc1', 'standard'] as const;
export type VolumeType = (typeof VOLUME_TYPES)[number];

export const METADATA_TOKEN_MODES = ['required', 'optional'] as const;
export type MetadataTokenMode = (typeof METADATA_TOKEN_MODES)[number];

/** The port dockerd listens on with TLS; the security group opens it. */
export const EC2_ENGINE_PORT = 2376;
export const EC2_SSH_PORT = 22;
export const DEFAULT_SECURITY_GROUP = 'machine';

/**
 * What the amazonec2 driver persists. No credential is part of it: the SDK's default chain (env,
 * shared profile, SSO, instance role) supplies them at every command; `profile` only names a profile.
 */
export interface Ec2Config {
  region: string;
  /** The zone letter, appended to the region (docker-machine's convention). */
  zone: string;
  /** Absent: the current Ubuntu LTS image for the region, looked up at create time. */
  ami?: string;
  instanceType: string;
  vpcId?: string;
  subnetId?: string;
  securityGroup: string;
  allowedCidrs: string[];
  /** Extra ports to open, `port` or `port/proto` (tcp when omitted). */
  openPorts: Array<{ port: number; protocol: 'tcp' | 'udp' }>;
  rootSizeGb: number;
  volumeType: VolumeType;
  encryptEbs: boolean;
  kmsKey?: string;
  iamInstanceProfile?: string;
  tags: Record<string, string>;
  sshUser: string;
  privateAddressOnly: boolean;
  usePrivateAddress: boolean;
  spot: boolean;
  spotPrice?: string;
  /** Absolute path; the file is read at create time and never copied into the store. */
  userdataPath?: string;
  metadataTokens: MetadataTokenMode;
  metadataHopLimit: number;
  monitoring: boolean;
  ebsOptimized: boolean;
  endpoint?: string;
  profile?: string;
  /** SDK attempts per call (adaptive retry mode, which also paces calls when throttled). */
  maxAttempts: number;
  enginePort: number;
}

/** The kind of each stored field, checked when a record is read back (see readStoredConfig). */
export const EC2_CONFIG_SHAPE: ConfigShape<Ec2Config> = {
  region: 'string',
  zone: 'string',
  ami: 'string?',
  instanceType: 'string',
  vpcId: 'string?',
  subnetId: 'string?',
  securityGroup: 'string',
  allowedCidrs: 'string[]',
  openPorts: 'object[]',
  rootSizeGb: 'number',
  volumeType: 'string',
  encryptEbs: 'boolean',
  kmsKey: 'string?',
  iamInstanceProfile: 'string?',
  tags: 'object',
  sshUser: 'string',
  privateAddressOnly: 'boolean',
  usePrivateAddress: 'boolean',
  spot: 'boolean',
  spotPrice: 'string?',
  userdataPath: 'string?',
  metadataTokens: 'string',
  metadataHopLimit: 'number',
  monitoring: 'boolean',
  ebsOptimized: 'boolean',
  endpoint: 'string?',
  profile: 'string?',
  maxAttempts: 'number',
  enginePort: 'number',
};

const SECRET_FLAGS: Record<string, string> = {
  'amazonec2-access-key': 'AWS_ACCESS_KEY_ID',
  'amazonec2-secret-key': 'AWS_SECRET_ACCESS_KEY',
  'amazonec2-session-token': 'AWS_SESSION_TOKEN',
};

export function ec2ConfigFromFlags(flags: FlagValues, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Ec2Config {
  refuseSecretFlags(flags);
  const region = stringFlag(flags, 'amazonec2-region') ?? env.AWS_REGION ?? 'us-east-1';
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new UsageError(`--amazonec2-region must be a region name such as us-east-1, not "${region}"`);
  const zone = stringFlag(flags, 'amazonec2-zone') ?? 'a';
  if (!/^[a-z]$/.test(zone)) throw new UsageError(`--amazonec2-zone is the zone letter (a, b, c...), not "${zone}"`, [`the zone is appended to the region: ${region}a`]);

  const ami = matching(flags, 'amazonec2-ami', /^ami-[0-9a-f]{8,17}$/, 'an AMI id such as ami-0123456789abcdef0');
  const vpcId = matching(flags, 'amazonec2-vpc-id', /^vpc-[0-9a-f]{8,17}$/, 'a VPC id such as vpc-0123456789abcdef0');
  const subnetId = matching(flags, 'amazonec2-subnet-id', /^subnet-[0-9a-f]{8,17}$/, 'a subnet id such as subnet-0123456789abcdef0');
  const instanceType = matching(flags, 'amazonec2-instance-type', /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'an instance type such as t3.small') ?? 't3.small';

  const securityGroup = stringFlag(flags, 'amazonec2-security-group') ?? DEFAULT_SECURITY_GROUP;
  if (securityGroup.length > 255 || securityGroup.startsWith('sg-')) {
    throw new UsageError(`--amazonec2-security-group is a group name (up to 255 characters, not an sg- id), not "${securityGroup}"`);
  }

  const volumeType = stringFlag(flags, 'amazonec2-volume-type') ?? 'gp3';
  if (!(VOLUME_TYPES as readonly string[]).includes(volumeType)) throw new UsageError(`--amazonec2-volume-type must be one of ${VOLUME_TYPES.join(', ')}, not "${volumeType}"`);
  const kmsKey = stringFlag(flags, 'amazonec2-kms-key');
  const encryptEbs = boolFlag(flags, 'amazonec2-encrypt-ebs') || kmsKey !== undefined;

  const privateAddressOnly = boolFlag(flags, 'amazonec2-private-address-only');
  const spotPrice = stringFlag(flags, 'amazonec2-spot-price');
  const spot = boolFlag(flags, 'amazonec2-request-spot-instance');
  if (spotPrice !== undefined && !spot) throw new UsageError('--amazonec2-spot-price needs --amazonec2-request-spot-instance');
  if (spotPrice !== undefined && !/^\d+(\.\d+)?$/.test(spotPrice)) throw new UsageError(`--amazonec2-spot-price must be a price in USD per hour such as 0.05, not "${spotPrice}"`);

  const metadataTokens = stringFlag(flags, 'amazonec2-metadata-token') ?? 'required';
  if (!(METADATA_TOKEN_MODES as readonly string[]).includes(metadataTokens)) throw new UsageError(`--amazonec2-metadata-token must be required (IMDSv2) or optional, not "${metadataTokens}"`);

  const endpoint = stringFlag(flags, 'amazonec2-endpoint');
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/i.test(endpoint)) throw new UsageError(`--amazonec2-endpoint must be an http(s) URL, not "${endpoint}"`);
  const userdata = stringFlag(flags, 'amazonec2-userdata');
  const iamInstanceProfile = stringFlag(flags, 'amazonec2-iam-instance-profile');
  const profile = stringFlag(flags, 'amazonec2-profile');

  return {
    region,
    zone,
    ...(ami ? { ami } : {}),
    instanceType,
    ...(vpcId ? { vpcId } : {}),
    ...(subnetId ? { subnetId } : {}),
    securityGroup,
    allowedCidrs: cidrs(listFlag(flags, 'amazonec2-allowed-cidr')),
    openPorts: listFlag(flags, 'amazonec2-open-port').map(openPort),
    rootSizeGb: intFlag(flags, 'amazonec2-root-size', 16, 1, 16_384),
    volumeType: volumeType as VolumeType,
    encryptEbs,
    ...(kmsKey ? { kmsKey } : {}),
    ...(iamInstanceProfile ? { iamInstanceProfile } : {}),
    tags: tagPairs(listFlag(flags, 'amazonec2-tags')),
    sshUser: sshUser(stringFlag(flags, 'amazonec2-ssh-user') ?? 'ubuntu'),
    privateAddressOnly,
    // Without a public address, the private one is the only one there is.
    usePrivateAddress: privateAddressOnly || boolFlag(flags, 'amazonec2-use-private-address'),
    spot,
    ...(spotPrice ? { spotPrice } : {}),
    ...(userdata ? { userdataPath: path.resolve(cwd, userdata) } : {}),
    metadataTokens: metadataTokens as MetadataTokenMode,
    metadataHopLimit: intFlag(flags, 'amazonec2-metadata-hop-limit', 1, 1, 64),
    monitoring: boolFlag(flags, 'amazonec2-monitoring'),
    ebsOptimized: boolFlag(flags, 'amazonec2-use-ebs-optimized-instance'),
    ...(endpoint ? { endpoint } : {}),
    ...(profile ? { profile } : {}),
    maxAttempts: intFlag(flags, 'amazonec2-retries', 8, 1, 50),
    enginePort: EC2_ENGINE_PORT,
  };
}

/** The availability zone the machine lives in. */
export function availabilityZone(config: Pick<Ec2Config, 'region' | 'zone'>): string {
  return `${config.region}${config.zone}`;
}

/** docker-machine took keys on the command line and saved them in config.json; we never hold them. */
function refuseSecretFlags(flags: FlagValues): void {
  for (const [flag, envVar] of Object.entries(SECRET_FLAGS)) {
    if (flags[flag] === undefined) continue;
    throw new UsageError(`--${flag} is not accepted: machine never takes or stores cloud secrets`, [
      `export ${envVar} (the AWS SDK reads it at every command), or`,
      'use a profile from ~/.aws/credentials or SSO: --amazonec2-profile NAME or AWS_PROFILE',
    ]);
  }
}

function matching(flags: FlagValues, name: string, pattern: RegExp, what: string): string | undefined {
  const value = stringFlag(flags, name);
  if (value !== undefined && !pattern.test(value)) throw new UsageError(`--${name} must be ${what}, not "${value}"`);
  return value;
}

function cidrs(values: string[]): string[] {
  if (values.length === 0) return ['0.0.0.0/0'];
  for (const value of values) {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
    const valid = match !== null && match.slice(1, 5).every((octet) => Number(octet) <= 255) && Number(match[5]) <= 32;
    if (!valid) throw new UsageError(`--amazonec2-allowed-cidr must be an IPv4 CIDR such as 203.0.113.0/24, not "${value}"`);
  }
  return [...new Set(values)];
}

function openPort(value: string): { port: number; protocol: 'tcp' | 'udp' } {
  const match = /^(\d{1,5})(?:\/(tcp|udp))?$/i.exec(value);
  const port = Number(match?.[1]);
  if (!match || port < 1 || port > 65535) throw new UsageError(`--amazonec2-open-port must be PORT or PORT/tcp or PORT/udp, not "${value}"`);
  return { port, protocol: (match[2]?.toLowerCase() ?? 'tcp') as 'tcp' | 'udp' };
}

/** docker-machine's form: `key1,value1,key2,value2`. */
function tagPairs(values: string[]): Record<string, string> {
  if (values.length % 2 !== 0) {
    throw new UsageError('--amazonec2-tags takes key,value pairs: an even number of comma-separated items', ['--amazonec2-tags team,infra,env,dev']);
  }
  const tags: Record<string, string> = {};
  for (let i = 0; i < values.length; i += 2) {
    const key = values[i] as string;
    // aws: is reserved by AWS; machine: is ours (we find our resources by it).
    if (/^(aws|machine):/i.test(key)) throw new UsageError(`--amazonec2-tags: the key "${key}" uses a reserved prefix (aws: or machine:)`);
    if (key.length > 128) throw new UsageError(`--amazonec2-tags: the key "${key.slice(0, 20)}..." is longer than 128 characters`);
    tags[key] = values[i + 1] as string;
  }
  return tags;
}

function sshUser(user: string): string {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) throw new UsageError(`--amazonec2-ssh-user must be a login name such as ubuntu, not "${user}"`);
  return user;
}
