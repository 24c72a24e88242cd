import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { chsGeometry, detectDiskFormat, vhdChecksum, vhdSizeFor, writeFixedVhd } from '../../src/images/vhd';
import { runProcess } from '../../src/util/run-process';
import { makeTempDir } from '../helpers/tmp-store';

/**
 * qcow2/raw to fixed VHD, checked by an independent implementation: qemu-img makes the qcow2 inputs
 * (plain, compressed, version 2) and reads our VHD back (`compare` against the original raw disk,
 * `info` for the size), and its own VHD footers check our geometry and checksum arithmetic.
 */
const qemuImg = (...args: string[]) => runProcess('qemu-img', args, { timeoutMs: 60_000 });
const MiB = 1024 * 1024;

describe('fixed VHD writer', () => {
  let dir: string;
  let raw: string;
  const rawSize = 9 * MiB + 4096; // not a whole number of MiB: the VHD pads it

  beforeAll(async () => {
    dir = await makeTempDir('vhd-');
    raw = path.join(dir, 'disk.raw');
    const handle = await fs.open(raw, 'w');
    await handle.truncate(rawSize);
    // Data at the start, in the middle of a cluster, across a cluster boundary and in the last bytes;
    // zeros everywhere else.
    for (const [offset, length] of [[0, 4096], [3 * MiB + 100, 70_000], [rawSize - 1000, 1000]] as const) await handle.write(randomBytes(length), 0, length, offset);
    await handle.close();
  });

  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  const convertAndCompare = async (source: string) => {
    const vhd = path.join(dir, `${path.basename(source)}.vhd`);
    const { size } = await writeFixedVhd(source, vhd);
    expect(size).toBe(vhdSizeFor(rawSize).size);
    expect(size % MiB).toBe(0);
    const info = JSON.parse((await qemuImg('info', '-f', 'vpc', '--output=json', vhd)).stdout) as { 'virtual-size': number; format: string };
    expect(info).toMatchObject({ format: 'vpc', 'virtual-size': size });
    // Same contents; the padding past the original's end must read as zeros (compare's default).
    const compared = await runProcess('qemu-img', ['compare', '-f', 'raw', '-F', 'vpc', raw, vhd], { timeoutMs: 60_000, allowNonZeroExit: true });
    // qemu-img warns that the sizes differ (the padding), then compares.
    expect({ code: compared.exitCode, out: compared.stdout.trim().split('\n').pop() }).toEqual({ code: 0, out: 'Images are identical.' });
    expect((await fs.stat(vhd)).size).toBe(size + 512);
    expect(await detectDiskFormat(vhd)).toBe('vhd');
  };

  it('converts a raw disk', async () => {
    await convertAndCompare(raw);
  });

  it('converts a qcow2 (version 3) image', async () => {
    const q = path.join(dir, 'plain.qcow2');
    await qemuImg('convert', '-f', 'raw', '-O', 'qcow2', raw, q);
    expect(await detectDiskFormat(q)).toBe('qcow2');
    await convertAndCompare(q);
  });

  it('converts a compressed qcow2 image, as cloud images are published', async () => {
    const q = path.join(dir, 'compressed.qcow2');
    await qemuImg('convert', '-c', '-f', 'raw', '-O', 'qcow2', raw, q);
    await convertAndCompare(q);
  });

  it('converts a version 2 qcow2 with a small cluster size', async () => {
    const q = path.join(dir, 'v2.qcow2');
    await qemuImg('convert', '-c', '-f', 'raw', '-O', 'qcow2', '-o', 'compat=0.10,cluster_size=4096', raw, q);
    await convertAndCompare(q);
  });

  it('refuses a qcow2 with a backing file, and formats that need no conversion', async () => {
    const base = path.join(dir, 'base.qcow2');
    const overlay = path.join(dir, 'overlay.qcow2');
    await qemuImg('create', '-q', '-f', 'qcow2', base, '16M');
    await qemuImg('create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', overlay);
    await expect(writeFixedVhd(overlay, path.join(dir, 'x.vhd'))).rejects.toThrow(/backing file/);
    const vhdx = path.join(dir, 'given.vhdx');
    await qemuImg('create', '-q', '-f', 'vhdx', vhdx, '16M');
    expect(await detectDiskFormat(vhdx)).toBe('vhdx');
    await expect(writeFixedVhd(vhdx, path.join(dir, 'y.vhd'))).rejects.toThrow(/vhdx image already/);
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('computes the geometry and checksum qemu-img writes into its own fixed VHD footers', async () => {
    for (const size of ['64M', '3584M', '40G']) {
      const file = path.join(dir, `qemu-${size}.vhd`);
      await qemuImg('create', '-q', '-f', 'vpc', '-o', 'subformat=fixed', file, size);
      const { size: fileSize } = await fs.stat(file);
      const handle = await fs.open(file, 'r');
      const footer = Buffer.alloc(512);
      await handle.read(footer, 0, 512, fileSize - 512);
      await handle.close();
      const current = Number(footer.readBigUInt64BE(48));
      expect({ size, geometry: chsGeometry(current / 512) }).toEqual({ size, geometry: { cylinders: footer.readUInt16BE(56), heads: footer[58], sectorsPerTrack: footer[59] } });
      expect(vhdChecksum(footer)).toBe(footer.readUInt32BE(64));
      await fs.rm(file);
    }
  });

  it('sizes a VHD so its byte count and its geometry agree, in whole MiB', () => {
    for (const bytes of [1, MiB, 3.5 * 1024 * MiB, 8 * 1024 * MiB, 20000 * MiB, 200 * 1024 * MiB]) {
      const { size, geometry } = vhdSizeFor(bytes);
      expect(size).toBeGreaterThanOrEqual(bytes);
      expect(size % MiB).toBe(0);
      const chs = geometry.cylinders * geometry.heads * geometry.sectorsPerTrack * 512;
      expect(chs === size || geometry.cylinders === 65535).toBe(true);
    }
  });
});
