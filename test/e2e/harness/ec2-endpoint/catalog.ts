import type { Image, Subnet, Vpc } from './model';

/** Canonical's account id: the Ubuntu images are "theirs". */
const CANONICAL = '099720109477';

/** A small but realistic image catalog: several LTS and interim releases, builds and architectures. */
export function ubuntuImages(): Image[] {
  const image = (imageId: string, name: string, architecture: Image['architecture'], creationDate: string): Image => ({ imageId, name, ownerId: CANONICAL, architecture, creationDate, rootDeviceName: '/dev/sda1' });
  return [
    image('ami-0a1b2c3d4e5f60001', 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20250101', 'x86_64', '2025-01-01T10:00:00.000Z'),
    image('ami-0a1b2c3d4e5f60002', 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250115', 'x86_64', '2025-01-15T10:00:00.000Z'),
    image('ami-0a1b2c3d4e5f60003', 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20251010', 'x86_64', '2025-10-10T10:00:00.000Z'),
    image('ami-0a1b2c3d4e5f60004', 'ubuntu/images/hvm-ssd-gp3/ubuntu-plucky-25.04-amd64-server-20251001', 'x86_64', '2025-10-01T10:00:00.000Z'),
    image('ami-0a1b2c3d4e5f60005', 'ubuntu/images/hvm-ssd-gp3/ubuntu-resolute-26.04-amd64-server-20260601', 'x86_64', '2026-06-01T10:00:00.000Z'),
    image('ami-0a1b2c3d4e5f60006', 'ubuntu/images/hvm-ssd-gp3/ubuntu-resolute-26.04-arm64-server-20260601', 'arm64', '2026-06-01T10:00:00.000Z'),
    image('ami-0a1b2c3d4e5f60007', 'ubuntu/images/hvm-ssd-gp3/ubuntu-questing-25.10-amd64-server-20261101', 'x86_64', '2026-11-01T10:00:00.000Z'),
  ];
}

export const INSTANCE_TYPES: Record<string, Array<'x86_64' | 'arm64'>> = {
  't3.micro': ['x86_64'],
  't3.small': ['x86_64'],
  't3.medium': ['x86_64'],
  't4g.small': ['arm64'],
};

export function defaultNetwork(region: string): { vpc: Vpc; subnets: Subnet[] } {
  const vpc: Vpc = { vpcId: 'vpc-0de1a2b3c4d5e6f70', isDefault: true, cidrBlock: '172.31.0.0/16' };
  const subnets = ['a', 'b', 'c'].map((zone, index) => ({
    subnetId: `subnet-0${zone}${'1'.repeat(15)}`,
    vpcId: vpc.vpcId,
    availabilityZone: `${region}${zone}`,
    defaultForAz: true,
    cidrBlock: `172.31.${index * 16}.0/20`,
  }));
  return { vpc, subnets };
}
