import * as path from 'node:path';
import { OperationError } from '../../src/core/errors';
import { runProcess } from '../../src/util/run-process';

/**
 * The machine's own disk: a qcow2 overlay on the cached base image, so the base is shared and never
 * written. It is created at --qemu-disk-size (the guest's cloud-init grows its root filesystem), or
 * at the base's own size when that is larger: an overlay cannot be smaller than what it covers.
 */
const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

export function sizeInBytes(size: string): number {
  const match = /^(\d+)([KMGT]?)$/.exec(size);
  if (!match) throw new Error(`not a size: ${size}`);
  return Number(match[1]) * (UNITS[match[2] ?? ''] ?? 1);
}

/** qemu-img from the same folder as an explicit --qemu-binary path, else from PATH. */
export function qemuImgFor(binary: string): string {
  if (!path.isAbsolute(binary)) return 'qemu-img';
  return path.join(path.dirname(binary), process.platform === 'win32' ? 'qemu-img.exe' : 'qemu-img');
}

export interface ImageInfo {
  format: string;
  virtualSize: number;
}

export function parseImageInfo(json: string): ImageInfo {
  const parsed = JSON.parse(json) as { format?: unknown; 'virtual-size'?: unknown };
  if (typeof parsed.format !== 'string' || typeof parsed['virtual-size'] !== 'number') throw new Error('qemu-img info gave no format or size');
  return { format: parsed.format, virtualSize: parsed['virtual-size'] };
}

/** The qemu-img arguments for the overlay; pure so the size rule is tested. */
export function overlayArgs(base: string, info: ImageInfo, disk: string, size: string): string[] {
  const args = ['create', '-q', '-f', 'qcow2', '-b', base, '-F', info.format, disk];
  if (sizeInBytes(size) > info.virtualSize) args.push(size);
  return args;
}

/** qemu-img only writes a small header here, whatever the base's size; a minute means it is stuck. */
const QEMU_IMG_TIMEOUT_MS = 60_000;

export async function createOverlay(qemuImg: string, base: string, disk: string, size: string): Promise<void> {
  try {
    const info = parseImageInfo((await runProcess(qemuImg, ['info', '--output=json', base], { timeoutMs: QEMU_IMG_TIMEOUT_MS })).stdout);
    await runProcess(qemuImg, overlayArgs(base, info, disk, size), { timeoutMs: QEMU_IMG_TIMEOUT_MS });
  } catch (err) {
    const message = (err as Error).message;
    if (/No space left/i.test(message)) {
      throw new OperationError('QEMU_DISK_FULL', `no space left to create ${disk}`, ['free some disk space, or point MACHINE_STORAGE_PATH at a larger disk'], err);
    }
    throw new OperationError('QEMU_DISK', `could not create the machine disk ${disk}: ${message}`, [], err);
  }
}
