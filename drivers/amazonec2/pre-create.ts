import { promises as fs } from 'node:fs';
import { PreCreateCheckError, MachineError } from '../../src/core/errors';
import { CANONICAL_OWNER, pickUbuntuLts, ubuntuNamePattern } from './ami';
import { type Ec2Config, availabilityZone } from './config';
import type { Ec2Port, ImageInfo, SubnetInfo } from './ec2-port';

/** EC2's limit on user data, before base64. */
const USERDATA_LIMIT = 16 * 1024;

export interface Placement {
  image: ImageInfo;
  subnet: SubnetInfo;
  userData?: string;
}

/**
 * Everything create needs, resolved before anything is made: the credentials work (the first call
 * proves it), the subnet and VPC agree with each other and the zone, the instance type exists, and
 * the image exists and runs on that type's architecture. Any problem is a PreCreateCheckError.
 */
export async function resolvePlacement(config: Ec2Config, ec2: Ec2Port): Promise<Placement> {
  try {
    const userData = config.userdataPath === undefined ? undefined : await readUserData(config.userdataPath);
    const subnet = await resolveSubnet(config, ec2);
    const architectures = await ec2.instanceTypeArchitectures(config.instanceType);
    if (!architectures) {
      throw new PreCreateCheckError(`instance type ${config.instanceType} does not exist in ${config.region}`, ['pick one with --amazonec2-instance-type, e.g. t3.small']);
    }
    const image = await resolveImage(config, ec2, architectures);
    return { image, subnet, ...(userData !== undefined ? { userData } : {}) };
  } catch (err) {
    if (err instanceof PreCreateCheckError) throw err;
    // A failed lookup (no credentials, no permission) also means nothing was made.
    if (err instanceof MachineError) throw new PreCreateCheckError(err.message, err.suggestions, err.cause);
    throw err;
  }
}

async function resolveSubnet(config: Ec2Config, ec2: Ec2Port): Promise<SubnetInfo> {
  const zone = availabilityZone(config);
  if (config.subnetId) {
    const subnet = await ec2.describeSubnet(config.subnetId);
    if (!subnet) throw new PreCreateCheckError(`subnet ${config.subnetId} does not exist in ${config.region}`);
    if (config.vpcId && subnet.vpcId !== config.vpcId) {
      throw new PreCreateCheckError(`subnet ${config.subnetId} is in ${subnet.vpcId}, not in --amazonec2-vpc-id ${config.vpcId}`);
    }
    return subnet;
  }
  const vpcId = config.vpcId ?? (await ec2.defaultVpcId());
  if (!vpcId) {
    throw new PreCreateCheckError(`the account has no default VPC in ${config.region}`, ['pass --amazonec2-vpc-id and --amazonec2-subnet-id']);
  }
  const subnets = await ec2.subnetsIn(vpcId, zone);
  const subnet = subnets.find((s) => s.defaultForAz) ?? subnets[0];
  if (!subnet) {
    throw new PreCreateCheckError(`${vpcId} has no subnet in ${zone}`, ['pick another zone with --amazonec2-zone, or a subnet with --amazonec2-subnet-id']);
  }
  return subnet;
}

async function resolveImage(config: Ec2Config, ec2: Ec2Port, architectures: string[]): Promise<ImageInfo> {
  if (config.ami) {
    const image = await ec2.describeImage(config.ami);
    if (!image) throw new PreCreateCheckError(`AMI ${config.ami} does not exist in ${config.region} (AMIs belong to one region)`);
    if (!architectures.includes(image.architecture)) {
      throw new PreCreateCheckError(`AMI ${config.ami} is ${image.architecture}, but ${config.instanceType} runs ${architectures.join('/')}`);
    }
    return image;
  }
  // Prefer x86_64 when the type runs both; it is what most images and containers are built for.
  const architecture = architectures.includes('x86_64') ? 'x86_64' : architectures.find((a) => a === 'arm64');
  if (!architecture) throw new PreCreateCheckError(`${config.instanceType} runs ${architectures.join('/')}, for which there is no Ubuntu image; pass --amazonec2-ami`);
  const image = pickUbuntuLts(await ec2.findImages(CANONICAL_OWNER, ubuntuNamePattern(architecture), architecture), architecture);
  if (!image) throw new PreCreateCheckError(`no Ubuntu LTS image for ${architecture} found in ${config.region}`, ['pass an AMI with --amazonec2-ami']);
  return image;
}

/** Reads --amazonec2-userdata; its content goes to EC2 and is never stored. */
async function readUserData(file: string): Promise<string> {
  const data = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new PreCreateCheckError(`--amazonec2-userdata ${file} cannot be read: ${err.code ?? err.message}`);
  });
  if (Buffer.byteLength(data) > USERDATA_LIMIT) throw new PreCreateCheckError(`--amazonec2-userdata ${file} is larger than EC2's 16 KiB limit`);
  return data;
}
