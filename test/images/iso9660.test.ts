import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { buildIso } from '../../src/images/iso9660';
import { runProcess } from '../../src/util/run-process';
import { makeTempDir } from '../helpers/tmp-store';

/**
 * The ISO writer, read back by an independent reader: isoinfo (from genisoimage) lists the Joliet and
 * the plain trees and extracts each file; blkid reads the volume label cloud-init searches for. A
 * real guest reading it is the QEMU end-to-end test, which boots with the project's own seed.
 */
const isoinfo = async (iso: string, ...args: string[]): Promise<string> => (await runProcess('isoinfo', ['-i', iso, ...args], { timeoutMs: 20_000 })).stdout;

describe('ISO 9660 writer', () => {
  let dir: string;
  let iso: string;
  const userData = '#cloud-config\nhostname: "dev1"\n';
  const big = Buffer.from(Array.from({ length: 5000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''));

  beforeAll(async () => {
    dir = await makeTempDir('iso9660-');
    iso = path.join(dir, 'seed.iso');
    const date = new Date(Date.UTC(2026, 10, 30, 19, 5, 36));
    await fs.writeFile(iso, buildIso({ volumeId: 'cidata', date, files: [{ name: 'user-data', content: Buffer.from(userData) }, { name: 'meta-data', content: big }, { name: 'empty', content: Buffer.alloc(0) }] }));
  });

  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('is a whole number of 2048-byte sectors, the size its descriptor declares', async () => {
    const { size } = await fs.stat(iso);
    expect(size % 2048).toBe(0);
    const info = await isoinfo(iso, '-d');
    expect(info).toMatch(/Volume id: cidata/);
    expect(info).toMatch(new RegExp(`Volume size is: ${size / 2048}\\b`));
    expect(info).toMatch(/Joliet with UCS level 3 found/);
  });

  it('keeps the real names in the Joliet tree, with their sizes', async () => {
    const listing = await isoinfo(iso, '-l', '-J');
    const files = [...listing.matchAll(/^-[-r]\S*\s.*?\s(\d+)\s+\w{3}\s+\d+\s+\d{4}\s+\[\s*\d+\s+\d+\]\s+(\S+)\s*$/gm)].map((m) => [m[2], Number(m[1])]);
    expect(files).toEqual([
      ['empty', 0],
      ['meta-data', big.length],
      ['user-data', Buffer.byteLength(userData)],
    ]);
  });

  it('gives back every file byte for byte', async () => {
    expect(await isoinfo(iso, '-J', '-x', '/user-data')).toBe(userData);
    expect(await isoinfo(iso, '-J', '-x', '/meta-data')).toBe(big.toString());
  });

  it('has a plain ISO 9660 tree too, with level-1 names, for readers without Joliet', async () => {
    const listing = await isoinfo(iso, '-l');
    expect(listing).toMatch(/USER_DAT\.;1/);
    expect(listing).toMatch(/META_DAT\.;1/);
    expect(await isoinfo(iso, '-x', '/USER_DAT.;1')).toBe(userData);
  });

  it('carries the volume label blkid reports (how cloud-init finds its seed)', async () => {
    const { stdout } = await runProcess('blkid', ['-o', 'export', iso], { timeoutMs: 10_000 });
    expect(stdout).toMatch(/^LABEL=cidata$/m);
    expect(stdout).toMatch(/^TYPE=iso9660$/m);
  });

  it('refuses labels and names it cannot hold', () => {
    expect(() => buildIso({ volumeId: 'a label with spaces', files: [] })).toThrow(/volume id/);
    expect(() => buildIso({ volumeId: 'cidata', files: [{ name: 'a/b', content: Buffer.alloc(1) }] })).toThrow(/file name/);
    expect(() => buildIso({ volumeId: 'cidata', files: [{ name: 'x', content: Buffer.alloc(1) }, { name: 'x', content: Buffer.alloc(1) }] })).toThrow(/two files/);
  });

  it('makes colliding plain names unique', async () => {
    const other = path.join(dir, 'collide.iso');
    await fs.writeFile(other, buildIso({ volumeId: 'cidata', files: [{ name: 'network-config', content: Buffer.from('a') }, { name: 'network-config2', content: Buffer.from('b') }] }));
    const plain = await isoinfo(other, '-l');
    expect(plain).toMatch(/NETWORK_\.;1/);
    expect(plain).toMatch(/NETWORK1\.;1/);
    expect(await isoinfo(other, '-J', '-x', '/network-config2')).toBe('b');
  });
});
