import { Flags } from '@oclif/core';
import type { DriverDescriptor } from '../../src/core/driver';
import { readStoredConfig } from '../../src/core/stored-config';
import { DEFAULT_SECURITY_GROUP, type Ec2Config, EC2_CONFIG_SHAPE, METADATA_TOKEN_MODES, VOLUME_TYPES, ec2ConfigFromFlags } from './config';

const helpGroup = 'AMAZON EC2 DRIVER';
const secretRefused = 'not accepted (machine stores no secret): export the AWS_* variable or use --amazonec2-profile';

/**
 * The amazonec2 driver: an EC2 instance made with the AWS SDK. Flag names follow docker-machine's
 * driver; credentials never pass through flags or the store (the SDK's default chain supplies them).
 */
export const amazonec2Driver: DriverDescriptor<Ec2Config> = {
  name: 'amazonec2',
  aliases: ['aws', 'ec2'],
  summary: 'an AWS EC2 instance',
  unsupported: {},
  flags: {
    'amazonec2-region': Flags.string({ helpGroup, env: 'AWS_DEFAULT_REGION', description: 'AWS region (default: AWS_REGION, else us-east-1)' }),
    'amazonec2-zone': Flags.string({ helpGroup, env: 'AWS_ZONE', description: 'availability zone letter, appended to the region', default: 'a' }),
    'amazonec2-ami': Flags.string({ helpGroup, env: 'AWS_AMI', description: 'AMI id (default: the current Ubuntu LTS image for the region, looked up at create time)' }),
    'amazonec2-instance-type': Flags.string({ helpGroup, env: 'AWS_INSTANCE_TYPE', description: 'instance type', default: 't3.small' }),
    'amazonec2-vpc-id': Flags.string({ helpGroup, env: 'AWS_VPC_ID', description: "VPC id (default: the account's default VPC, or the subnet's)" }),
    'amazonec2-subnet-id': Flags.string({ helpGroup, env: 'AWS_SUBNET_ID', description: "subnet id (default: the VPC's default subnet in the zone)" }),
    'amazonec2-security-group': Flags.string({ helpGroup, env: 'AWS_SECURITY_GROUP', description: 'security group name; created when missing, opening SSH and the engine port', default: DEFAULT_SECURITY_GROUP }),
    'amazonec2-allowed-cidr': Flags.string({ helpGroup, multiple: true, multipleNonGreedy: true, description: 'source CIDR a created security group opens SSH and the engine to (repeatable; default 0.0.0.0/0: the engine demands client certificates)' }),
    'amazonec2-open-port': Flags.string({ helpGroup, multiple: true, multipleNonGreedy: true, description: 'extra port to open in a created security group, PORT[/tcp|udp] (repeatable)' }),
    'amazonec2-root-size': Flags.integer({ helpGroup, env: 'AWS_ROOT_SIZE', description: 'root volume size in GB', default: 16, min: 1 }),
    'amazonec2-volume-type': Flags.string({ helpGroup, env: 'AWS_VOLUME_TYPE', description: 'root volume type', options: [...VOLUME_TYPES], default: 'gp3' }),
    'amazonec2-encrypt-ebs': Flags.boolean({ helpGroup, env: 'AWS_ENCRYPT_EBS_VOLUME', description: 'encrypt the root volume' }),
    'amazonec2-kms-key': Flags.string({ helpGroup, env: 'AWS_KMS_KEY', description: 'KMS key (id, alias or ARN) for the encrypted root volume; implies --amazonec2-encrypt-ebs' }),
    'amazonec2-iam-instance-profile': Flags.string({ helpGroup, env: 'AWS_INSTANCE_PROFILE', description: 'IAM instance profile name or ARN for the instance' }),
    'amazonec2-tags': Flags.string({ helpGroup, env: 'AWS_TAGS', description: 'extra tags as key1,value1,key2,value2 (on the instance, its volumes and network interface)' }),
    'amazonec2-ssh-user': Flags.string({ helpGroup, env: 'AWS_SSH_USER', description: "the AMI's login user", default: 'ubuntu' }),
    'amazonec2-private-address-only': Flags.boolean({ helpGroup, description: 'no public address; reach the machine on its private one' }),
    'amazonec2-use-private-address': Flags.boolean({ helpGroup, description: 'reach the machine on its private address (from inside the VPC or over a VPN)' }),
    'amazonec2-request-spot-instance': Flags.boolean({ helpGroup, description: 'run as a one-time spot instance' }),
    'amazonec2-spot-price': Flags.string({ helpGroup, description: 'highest spot price in USD per hour (default: the on-demand price)' }),
    'amazonec2-userdata': Flags.string({ helpGroup, env: 'AWS_USERDATA', description: 'file whose content is passed as instance user data' }),
    'amazonec2-metadata-token': Flags.string({ helpGroup, description: 'instance metadata tokens: required (IMDSv2 only) or optional', options: [...METADATA_TOKEN_MODES], default: 'required' }),
    'amazonec2-metadata-hop-limit': Flags.integer({ helpGroup, description: 'metadata response hop limit (2 lets containers reach IMDSv2)', default: 1, min: 1, max: 64 }),
    'amazonec2-monitoring': Flags.boolean({ helpGroup, description: 'enable CloudWatch detailed monitoring' }),
    'amazonec2-use-ebs-optimized-instance': Flags.boolean({ helpGroup, description: 'launch an EBS-optimized instance' }),
    'amazonec2-endpoint': Flags.string({ helpGroup, env: 'AWS_ENDPOINT', description: 'custom EC2 endpoint URL' }),
    'amazonec2-profile': Flags.string({ helpGroup, description: 'shared config/credentials profile to use at every command (default: AWS_PROFILE, else "default")' }),
    'amazonec2-retries': Flags.integer({ helpGroup, description: 'attempts per EC2 call (adaptive retries pace calls when AWS throttles)', default: 8, min: 1, max: 50 }),
    'amazonec2-access-key': Flags.string({ helpGroup, hidden: true, description: secretRefused }),
    'amazonec2-secret-key': Flags.string({ helpGroup, hidden: true, description: secretRefused }),
    'amazonec2-session-token': Flags.string({ helpGroup, hidden: true, description: secretRefused }),
  },
  generatesSshKey: () => true,
  enginePort: (config) => config.enginePort,
  configFromFlags: (flags) => ec2ConfigFromFlags(flags),
  readConfig: (stored) => readStoredConfig<Ec2Config>('amazonec2', stored, EC2_CONFIG_SHAPE),
  async load() {
    const { Ec2Driver } = await import('./ec2-driver');
    const { sdkEc2Port } = await import('./sdk-port');
    return (env) => new Ec2Driver(env, sdkEc2Port(env.config));
  },
};
