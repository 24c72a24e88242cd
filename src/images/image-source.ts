/**
 * Where a machine's base image comes from: an http(s) URL, or a local path. The default for the
 * local-VM drivers is the current Ubuntu LTS cloud image; its checksum comes from the SHA256SUMS
 * published beside it, so bumping the release is the one line below, for every driver at once.
 */
export const DEFAULT_IMAGE_RELEASE = '26.04';

/** The current Ubuntu LTS cloud image (qcow2) for this host's architecture. */
export function defaultImageUrl(arch: string = process.arch): string {
  const ubuntuArch = arch === 'arm64' ? 'arm64' : 'amd64';
  return `https://cloud-images.ubuntu.com/releases/${DEFAULT_IMAGE_RELEASE}/release/ubuntu-${DEFAULT_IMAGE_RELEASE}-server-cloudimg-${ubuntuArch}.img`;
}

export function isUrl(image: string): boolean {
  return /^https?:\/\//i.test(image);
}

/** The flags a driver names its image by, so the cache's messages tell the user what to change. */
export interface ImageFlags {
  /** e.g. `--qemu-image` */
  image: string;
  /** e.g. `--qemu-image-sha256` */
  sha256: string;
}
