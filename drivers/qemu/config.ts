import * as path from 'node:path';
import { UsageError } from '../../src/core/errors';
import { defaultImageUrl, isUrl } from '../../src/images/image-source';
import { intFlag, stringFlag } from '../../src/util/flag-values';
import { NETWORK_NAME_PATTERN } from './network-name';

export const ACCELERATORS = ['auto', 'kvm', 'hvf', 'whpx', 'tcg'] as const;
export type AccelChoice = (typeof ACCELERATORS)[number];

/** What the QEMU driver persists. Local paths are absolute: later commands run from any folder. */
export interface QemuConfig {
  /** An http(s) URL or an absolute path to a qcow2/raw disk image. */
  image: string;
  /** Expected sha256 of the image (lower-case hex); without it a URL is checked against SHA256SUMS. */
  imageSha256?: string;
  kernel?: string;
  initrd?: string;
  append?: string;
  cpus: number;
  memoryMb: number;
  /** qemu-img size syntax, normalised: digits and one of K M G T (e.g. `20G`). */
  diskSize: string;
  accel: AccelChoice;
  /** QEMU system emulator; absent means the one for this host's architecture. */
  binary?: string;
  sshUser: string;
  /** A named local network the machine joins with a second NIC (`--qemu-network`). */
  network?: string;
}

export function qemuConfigFromFlags(flags: Record<string, unknown>, cwd: string = process.cwd()): QemuConfig {
  const localPath = (name: string): string | undefined => {
    const value = stringFlag(flags, name);
    return value === undefined ? undefined : path.resolve(cwd, value);
  };
  const rawImage = stringFlag(flags, 'qemu-image');
  const image = rawImage === undefined ? defaultImageUrl() : isUrl(rawImage) ? rawImage : path.resolve(cwd, rawImage);
  if (rawImage !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(rawImage) && !isUrl(rawImage)) {
    throw new UsageError(`--qemu-image must be an http(s) URL or a local path, not ${rawImage}`);
  }

  const kernel = localPath('qemu-kernel');
  const initrd = localPath('qemu-initrd');
  const append = stringFlag(flags, 'qemu-append');
  if (!kernel && (initrd || append)) {
    throw new UsageError('--qemu-initrd and --qemu-append need --qemu-kernel', ['pass the guest kernel with --qemu-kernel, or drop them to boot the image\'s own bootloader']);
  }

  const imageSha256 = stringFlag(flags, 'qemu-image-sha256')?.toLowerCase();
  if (imageSha256 !== undefined && !/^[0-9a-f]{64}$/.test(imageSha256)) {
    throw new UsageError('--qemu-image-sha256 must be 64 hexadecimal digits (a SHA-256 digest)');
  }

  const accel = stringFlag(flags, 'qemu-accel') ?? 'auto';
  if (!(ACCELERATORS as readonly string[]).includes(accel)) {
    throw new UsageError(`--qemu-accel must be one of ${ACCELERATORS.join(', ')}, not "${accel}"`);
  }

  const binary = stringFlag(flags, 'qemu-binary');
  const network = stringFlag(flags, 'qemu-network');
  if (network !== undefined && !NETWORK_NAME_PATTERN.test(network)) {
    throw new UsageError(`--qemu-network must be 1-32 lower-case letters, digits and dashes, starting with a letter or digit, not "${network}"`);
  }
  return {
    image,
    ...(imageSha256 ? { imageSha256 } : {}),
    ...(kernel ? { kernel } : {}),
    ...(initrd ? { initrd } : {}),
    ...(append ? { append } : {}),
    cpus: intFlag(flags, 'qemu-cpus', 2, 1, 512),
    memoryMb: intFlag(flags, 'qemu-memory', 2048, 256, 4 * 1024 * 1024),
    diskSize: diskSizeFlag(flags),
    accel: accel as AccelChoice,
    ...(binary ? { binary } : {}),
    sshUser: userFlag(flags),
    ...(network ? { network } : {}),
  };
}



function diskSizeFlag(flags: Record<string, unknown>): string {
  const value = stringFlag(flags, 'qemu-disk-size') ?? '20G';
  const match = /^(\d+)\s*([KMGT])?(?:i?B)?$/i.exec(value);
  if (!match || Number(match[1]) === 0) {
    throw new UsageError(`--qemu-disk-size must be a size such as 20G or 512M, not "${value}"`);
  }
  return `${match[1]}${(match[2] ?? '').toUpperCase()}`;
}

function userFlag(flags: Record<string, unknown>): string {
  const user = stringFlag(flags, 'qemu-ssh-user') ?? 'machine';
  // cloud-init makes this account; keep to what useradd accepts so the seed cannot be malformed.
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user) || user === 'root') {
    throw new UsageError(`--qemu-ssh-user must be a lower-case login name other than root, not "${user}"`);
  }
  return user;
}
