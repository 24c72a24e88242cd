import { promises as fs } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

/**
 * Reads the guest-visible contents of a qcow2 image (the format of the Ubuntu cloud images), cluster
 * by cluster, without qemu-img: Windows has none, and Hyper-V reads only VHD/VHDX. Supports what cloud
 * images use: versions 2 and 3, deflate-compressed clusters, zero clusters. Refuses what it cannot
 * read faithfully (a backing file, encryption, zstd compression, extended L2 entries) with a message.
 */
export interface Qcow2Image {
  virtualSize: number;
  clusterSize: number;
  /**
   * Each cluster that holds data, in order: its guest offset and its bytes (always a whole cluster;
   * the last may reach past virtualSize). Clusters that are unallocated or zero are skipped.
   */
  clusters(): AsyncGenerator<{ offset: number; data: Buffer }>;
  close(): Promise<void>;
}

export const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]); // "QFI\xfb"

const OFFSET_MASK = 0x00ff_ffff_ffff_fe00n; // bits 9-55: a host offset in an L1 or L2 entry
const COMPRESSED = 1n << 62n;
const ZERO_FLAG = 1n; // qcow2 v3: the cluster reads as zeros

export class Qcow2Error extends Error {}

export async function openQcow2(file: string): Promise<Qcow2Image> {
  const handle = await fs.open(file, 'r');
  try {
    const header = Buffer.alloc(112);
    await handle.read(header, 0, header.length, 0);
    if (!header.subarray(0, 4).equals(QCOW2_MAGIC)) throw new Qcow2Error(`${file} is not a qcow2 image`);
    const version = header.readUInt32BE(4);
    if (version !== 2 && version !== 3) throw new Qcow2Error(`${file}: qcow2 version ${version} is not supported`);
    if (header.readBigUInt64BE(8) !== 0n) throw new Qcow2Error(`${file} has a backing file; give the image it is based on, or a standalone image`);
    const clusterBits = header.readUInt32BE(20);
    if (clusterBits < 9 || clusterBits > 21) throw new Qcow2Error(`${file}: cluster size 2^${clusterBits} is not valid`);
    if (header.readUInt32BE(32) !== 0) throw new Qcow2Error(`${file} is encrypted`);
    if (version === 3) {
      const incompatible = header.readBigUInt64BE(72);
      if (incompatible & 0b10n) throw new Qcow2Error(`${file} is marked corrupt`);
      if (incompatible & 0b100n) throw new Qcow2Error(`${file} keeps its data in an external file`);
      if (incompatible & 0b1_0000n) throw new Qcow2Error(`${file} uses extended L2 entries (subclusters), which this reader does not support`);
      const headerLength = header.readUInt32BE(100);
      if (incompatible & 0b1000n && headerLength > 104 && header[104] !== 0) {
        throw new Qcow2Error(`${file} is compressed with zstd; only deflate-compressed qcow2 images can be converted here`);
      }
    }
    const virtualSize = Number(header.readBigUInt64BE(24));
    const l1Size = header.readUInt32BE(36);
    const l1Offset = Number(header.readBigUInt64BE(40));
    const clusterSize = 2 ** clusterBits;
    const l1 = Buffer.alloc(l1Size * 8);
    await handle.read(l1, 0, l1.length, l1Offset);
    const entriesPerL2 = clusterSize / 8;
    // A compressed entry: the host offset in the low bits, then the count of extra 512-byte sectors.
    const compressedOffsetBits = BigInt(62 - (clusterBits - 8));
    const compressedOffsetMask = (1n << compressedOffsetBits) - 1n;
    const sectorCountMask = (1n << BigInt(clusterBits - 8)) - 1n;

    const readAt = async (length: number, position: number): Promise<Buffer> => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      return bytesRead === length ? buffer : buffer.subarray(0, bytesRead);
    };

    async function* clusters(): AsyncGenerator<{ offset: number; data: Buffer }> {
      for (let i = 0; i < l1Size; i++) {
        const l2Offset = Number(l1.readBigUInt64BE(i * 8) & OFFSET_MASK);
        if (l2Offset === 0) continue;
        const l2 = await readAt(clusterSize, l2Offset);
        for (let j = 0; j < entriesPerL2; j++) {
          const guestOffset = (i * entriesPerL2 + j) * clusterSize;
          if (guestOffset >= virtualSize) return;
          const entry = l2.readBigUInt64BE(j * 8);
          if (entry & COMPRESSED) {
            const hostOffset = entry & compressedOffsetMask;
            const sectors = ((entry >> compressedOffsetBits) & sectorCountMask) + 1n;
            const length = Number(sectors * 512n - (hostOffset & 511n));
            const compressed = await readAt(length, Number(hostOffset));
            let data: Buffer;
            try {
              data = inflateRawSync(compressed, { finishFlush: 2 /* Z_SYNC_FLUSH: the stored length may run past the stream's end */ });
            } catch (err) {
              throw new Qcow2Error(`${file}: the compressed cluster at guest offset ${guestOffset} does not inflate: ${(err as Error).message}`);
            }
            if (data.length < clusterSize) data = Buffer.concat([data, Buffer.alloc(clusterSize - data.length)]);
            yield { offset: guestOffset, data: data.subarray(0, clusterSize) };
            continue;
          }
          const hostOffset = Number(entry & OFFSET_MASK);
          if (hostOffset === 0 || (version === 3 && entry & ZERO_FLAG)) continue;
          const data = await readAt(clusterSize, hostOffset);
          yield { offset: guestOffset, data: data.length === clusterSize ? data : Buffer.concat([data, Buffer.alloc(clusterSize - data.length)]) };
        }
      }
    }

    return { virtualSize, clusterSize, clusters, close: () => handle.close() };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
