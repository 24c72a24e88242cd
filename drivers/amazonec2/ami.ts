import type { ImageInfo } from './ec2-port';

/** Canonical's AWS account: the only owner whose "ubuntu" images we take by name. */
export const CANONICAL_OWNER = '099720109477';

/** EC2 architecture names to Ubuntu's, as they appear in Canonical's image names. */
const UBUNTU_ARCH: Record<string, string> = { x86_64: 'amd64', arm64: 'arm64' };

/** The DescribeImages name filter for Canonical's server images of one architecture (any release). */
export function ubuntuNamePattern(architecture: string): string {
  return `ubuntu/images/hvm-ssd*/ubuntu-*-${ubuntuArch(architecture)}-server-*`;
}

export function ubuntuArch(architecture: string): string {
  const arch = UBUNTU_ARCH[architecture];
  if (!arch) throw new Error(`no Ubuntu images for architecture ${architecture}`);
  return arch;
}

interface UbuntuRelease {
  image: ImageInfo;
  year: number;
  month: number;
}

/**
 * The current Ubuntu LTS among Canonical's images: LTS releases are YY.04 with an even YY. The
 * newest release wins, then the newest build of it. Looking it up at create time means the default
 * follows Canonical's releases without a table to keep (docker-machine's went stale).
 */
export function pickUbuntuLts(images: ImageInfo[], architecture: string): ImageInfo | undefined {
  const arch = ubuntuArch(architecture);
  const pattern = new RegExp(`^ubuntu/images/hvm-ssd[^/]*/ubuntu-[a-z]+-(\\d{2})\\.(\\d{2})-${arch}-server-\\d{8}(\\.\\d+)?$`);
  const lts: UbuntuRelease[] = [];
  for (const image of images) {
    const match = pattern.exec(image.name);
    if (!match || image.architecture !== architecture) continue;
    const year = Number(match[1]);
    const month = Number(match[2]);
    if (month === 4 && year % 2 === 0) lts.push({ image, year, month });
  }
  lts.sort((a, b) => b.year - a.year || b.image.creationDate.localeCompare(a.image.creationDate));
  return lts[0]?.image;
}
