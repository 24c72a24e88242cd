import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { QCOW2_MAGIC, openQcow2 } from './qcow2';

/**
 * Fixed VHD: the raw disk followed by a 512-byte footer (the Virtual Hard Disk format specification).
 * The simplest disk Hyper-V reads; its own Convert-VHD then turns it into the VHDX a Generation 2 VM
 * needs. Written here from a qcow2 or raw image so that the host needs no qemu-img.
 */
export type DiskFormat = 'qcow2' | 'vhd' | 'vhdx' | 'raw';

const MiB = 1024 * 1024;
const FOOTER_SIZE = 512;
const COOKIE = 'conectix';
/** Seconds from the Unix epoch to 2000-01-01T00:00:00Z, where VHD time stamps start. */
const VHD_EPOCH = 946_684_800;
const MAX_CHS = { cylinders: 65535, heads: 16, sectorsPerTrack: 255 };

/** What a disk image file holds, by its magic numbers. */
export async function detectDiskFormat(file: string): Promise<DiskFormat> {
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(8);
    await handle.read(head, 0, 8, 0);
    if (head.subarray(0, 4).equals(QCOW2_MAGIC)) return 'qcow2';
    if (head.toString('latin1') === 'vhdxfile') return 'vhdx';
    // A dynamic VHD starts with a copy of its footer; every VHD ends with it.
    if (head.toString('latin1') === COOKIE) return 'vhd';
    const { size } = await handle.stat();
    if (size >= FOOTER_SIZE) {
      const tail = Buffer.alloc(8);
      await handle.read(tail, 0, 8, size - FOOTER_SIZE);
      if (tail.toString('latin1') === COOKIE) return 'vhd';
    }
    return 'raw';
  } finally {
    await handle.close();
  }
}

export interface Geometry {
  cylinders: number;
  heads: number;
  sectorsPerTrack: number;
}

/** The CHS geometry the VHD specification's algorithm gives for a size in 512-byte sectors. */
export function chsGeometry(totalSectorsIn: number): Geometry {
  const totalSectors = Math.min(totalSectorsIn, MAX_CHS.cylinders * MAX_CHS.heads * MAX_CHS.sectorsPerTrack);
  let sectorsPerTrack: number;
  let heads: number;
  let cylinderTimesHeads: number;
  if (totalSectors >= 65535 * 16 * 63) {
    sectorsPerTrack = 255;
    heads = 16;
    cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
  } else {
    sectorsPerTrack = 17;
    cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
    heads = Math.max(4, Math.floor((cylinderTimesHeads + 1023) / 1024));
    if (cylinderTimesHeads >= heads * 1024 || heads > 16) {
      sectorsPerTrack = 31;
      heads = 16;
      cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
    }
    if (cylinderTimesHeads >= heads * 1024) {
      sectorsPerTrack = 63;
      heads = 16;
      cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
    }
  }
  return { cylinders: Math.floor(cylinderTimesHeads / heads), heads, sectorsPerTrack };
}

const isMaxGeometry = (g: Geometry): boolean => g.cylinders === MAX_CHS.cylinders && g.heads === MAX_CHS.heads && g.sectorsPerTrack === MAX_CHS.sectorsPerTrack;
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const roundUp = (value: number, unit: number): number => Math.ceil(value / unit) * unit;

/**
 * The VHD size for a disk of `bytes`: at least that, a whole number of MiB, and exactly what its CHS
 * geometry describes. Readers disagree on which of the two sizes in the footer to believe (Hyper-V
 * takes the byte count, some others the geometry), so both must say the same; the padding is zeros
 * at the end of the disk, which the guest grows into anyway.
 */
export function vhdSizeFor(bytes: number): { size: number; geometry: Geometry } {
  let size = roundUp(Math.max(bytes, MiB), MiB);
  for (let attempt = 0; attempt < 16; attempt++) {
    const geometry = chsGeometry(size / 512);
    const chsBytes = geometry.cylinders * geometry.heads * geometry.sectorsPerTrack * 512;
    if (chsBytes === size || isMaxGeometry(geometry)) return { size, geometry };
    const cylinderBytes = geometry.heads * geometry.sectorsPerTrack * 512;
    size = roundUp(size + 1, (MiB / gcd(MiB, cylinderBytes)) * cylinderBytes);
  }
  throw new Error(`no VHD geometry fits ${bytes} bytes`);
}

export function vhdFooter(size: number, geometry: Geometry, options: { uniqueId?: Buffer; date?: Date } = {}): Buffer {
  const footer = Buffer.alloc(FOOTER_SIZE);
  footer.write(COOKIE, 0, 'latin1');
  footer.writeUInt32BE(0x0000_0002, 8); // features: the reserved bit that must always be set
  footer.writeUInt32BE(0x0001_0000, 12); // file format version 1.0
  footer.writeBigUInt64BE(0xffff_ffff_ffff_ffffn, 16); // data offset: none, a fixed disk
  footer.writeUInt32BE(Math.max(0, Math.floor((options.date ?? new Date()).getTime() / 1000) - VHD_EPOCH), 24);
  footer.write('mchn', 28, 'latin1'); // creator application: this project
  footer.writeUInt32BE(0x0001_0000, 32); // creator version
  footer.write('Wi2k', 36, 'latin1'); // creator host OS: Windows, where Hyper-V reads it
  footer.writeBigUInt64BE(BigInt(size), 40); // original size
  footer.writeBigUInt64BE(BigInt(size), 48); // current size
  footer.writeUInt16BE(geometry.cylinders, 56);
  footer[58] = geometry.heads;
  footer[59] = geometry.sectorsPerTrack;
  footer.writeUInt32BE(2, 60); // disk type: fixed
  (options.uniqueId ?? randomBytes(16)).copy(footer, 68);
  footer.writeUInt32BE(vhdChecksum(footer), 64);
  return footer;
}

/** One's complement of the byte sum of the footer, its own checksum field counted as zeros. */
export function vhdChecksum(footer: Buffer): number {
  let sum = 0;
  for (let i = 0; i < FOOTER_SIZE; i++) if (i < 64 || i >= 68) sum = (sum + (footer[i] as number)) >>> 0;
  return ~sum >>> 0;
}

const isZero = (data: Buffer): boolean => {
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) return false;
  return true;
};

/**
 * Writes `target` as a fixed VHD with the contents of `source` (qcow2 or raw). Zero runs are not
 * written, so the file stays sparse where the filesystem allows. Written under a temporary name and
 * renamed, so a half-written disk is never mistaken for a whole one.
 */
export async function writeFixedVhd(source: string, target: string, signal?: AbortSignal): Promise<{ size: number }> {
  const format = await detectDiskFormat(source);
  if (format !== 'qcow2' && format !== 'raw') throw new Error(`${source} is a ${format} image already; it needs no conversion to VHD`);
  const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
  const out = await fs.open(temp, 'wx', 0o600);
  try {
    const sourceSize = format === 'qcow2' ? undefined : (await fs.stat(source)).size;
    const qcow2 = format === 'qcow2' ? await openQcow2(source) : undefined;
    const virtualSize = qcow2?.virtualSize ?? (sourceSize as number);
    const { size, geometry } = vhdSizeFor(virtualSize);
    await out.truncate(size);
    const write = async (data: Buffer, offset: number): Promise<void> => {
      if (signal?.aborted) throw new Error('interrupted');
      const length = Math.min(data.length, virtualSize - offset);
      if (length > 0 && !isZero(data.subarray(0, length))) await out.write(data, 0, length, offset);
    };
    if (qcow2) {
      try {
        for await (const cluster of qcow2.clusters()) await write(cluster.data, cluster.offset);
      } finally {
        await qcow2.close();
      }
    } else {
      const input = await fs.open(source, 'r');
      try {
        const chunk = Buffer.alloc(MiB);
        for (let offset = 0; offset < virtualSize; offset += MiB) {
          const { bytesRead } = await input.read(chunk, 0, MiB, offset);
          await write(chunk.subarray(0, bytesRead), offset);
        }
      } finally {
        await input.close();
      }
    }
    await out.write(vhdFooter(size, geometry), 0, FOOTER_SIZE, size);
    await out.close();
    await fs.rename(temp, target);
    return { size };
  } catch (err) {
    await out.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw err;
  }
}
