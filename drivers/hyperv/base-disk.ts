import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ImageCache, imageCacheDir } from '../../src/images/image-cache';
import { detectDiskFormat, writeFixedVhd } from '../../src/images/vhd';
import { IMAGE_FLAGS } from './config';

/**
 * The machine's base disk, as Hyper-V can read it: the image comes through the shared cache
 * (download, checksum, content-addressed), then a qcow2 or raw image is written once as a fixed VHD
 * beside it (STORE/cache/images/<sha256>.vhd); a VHD or VHDX image is linked there under its proper
 * extension, which Hyper-V's cmdlets require. Each machine's own VHDX is converted from this file,
 * which stays read-only and is never a parent of anything, so removing a machine never touches it.
 */
export interface BaseDisk {
  path: string;
  /** The digest of the image it was made from. */
  sha256: string;
}

export interface BaseDiskOptions {
  progress?: (message: string) => void;
  signal?: AbortSignal;
}

export async function prepareBaseDisk(storePath: string, image: string, expectedSha256: string | undefined, options: BaseDiskOptions = {}): Promise<BaseDisk> {
  const resolved = await new ImageCache(storePath, IMAGE_FLAGS).resolve(image, {
    ...(expectedSha256 ? { expectedSha256 } : {}),
    ...(options.progress ? { progress: options.progress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const format = await detectDiskFormat(resolved.path);
  const target = path.join(imageCacheDir(storePath), `${resolved.sha256}.${format === 'vhdx' ? 'vhdx' : 'vhd'}`);
  if (await exists(target)) return { path: target, sha256: resolved.sha256 };
  if (format === 'vhd' || format === 'vhdx') {
    await fs.link(resolved.path, target).catch(async () => {
      await fs.copyFile(resolved.path, target);
      await fs.chmod(target, 0o444);
    });
  } else {
    options.progress?.(`writing the ${format} image as a VHD for Hyper-V`);
    await writeFixedVhd(resolved.path, target, options.signal);
    await fs.chmod(target, 0o444);
  }
  return { path: target, sha256: resolved.sha256 };
}

function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
