/**
 * A minimal ISO 9660 writer: one root directory of small files, with a Joliet tree beside the plain
 * one so that names such as `user-data` survive (plain ISO 9660 allows only upper-case letters, digits
 * and `_`, 8.3). Enough for a cloud-init NoCloud seed, written without genisoimage/xorriso, which
 * Windows does not have. Linux mounts it with its Joliet names, Windows reads Joliet natively.
 *
 * Layout, in 2048-byte sectors:
 *   0-15 system area (zeros) | 16 primary volume descriptor | 17 Joliet supplementary descriptor |
 *   18 terminator | 19-20 primary path tables (L, M) | 21-22 Joliet path tables (L, M) |
 *   23 primary root directory | 24 Joliet root directory | 25... file data, each file from a new sector
 * Both directory trees point at the same file data.
 */
const SECTOR = 2048;
const FIRST_DATA_SECTOR = 25;
const PRIMARY_ROOT_SECTOR = 23;
const JOLIET_ROOT_SECTOR = 24;
const PATH_TABLE_SIZE = 10; // the root's entry alone: 8 bytes, a 1-byte name, a pad byte

export interface IsoFile {
  /** The file's name as readers should see it (Joliet); at most 64 characters, no `/`. */
  name: string;
  content: Buffer;
}

export interface IsoOptions {
  /** Up to 32 characters; cloud-init looks for `cidata`. */
  volumeId: string;
  files: readonly IsoFile[];
  /** Recorded as every date in the image; default now. */
  date?: Date;
}

/** The whole image in memory (a seed is a few kilobytes). */
export function buildIso(options: IsoOptions): Buffer {
  validate(options);
  const date = options.date ?? new Date();
  const files = [...options.files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const plainNames = uniquePlainNames(files.map((f) => f.name));
  let next = FIRST_DATA_SECTOR;
  const placed = files.map((file, i) => {
    const sector = next;
    next += Math.max(1, Math.ceil(file.content.length / SECTOR));
    return { ...file, sector, plainName: plainNames[i] as string };
  });
  const totalSectors = next;
  const image = Buffer.alloc(totalSectors * SECTOR);

  const rootRecord = (sector: number) => directoryRecord({ sector, size: SECTOR, isDirectory: true, name: Buffer.from([0]), date });
  image.set(volumeDescriptor({ type: 1, volumeId: options.volumeId, totalSectors, root: rootRecord(PRIMARY_ROOT_SECTOR), pathTables: [19, 20], joliet: false, date }), 16 * SECTOR);
  image.set(volumeDescriptor({ type: 2, volumeId: options.volumeId, totalSectors, root: rootRecord(JOLIET_ROOT_SECTOR), pathTables: [21, 22], joliet: true, date }), 17 * SECTOR);
  image.set(terminator(), 18 * SECTOR);
  image.set(pathTable(PRIMARY_ROOT_SECTOR, 'little'), 19 * SECTOR);
  image.set(pathTable(PRIMARY_ROOT_SECTOR, 'big'), 20 * SECTOR);
  image.set(pathTable(JOLIET_ROOT_SECTOR, 'little'), 21 * SECTOR);
  image.set(pathTable(JOLIET_ROOT_SECTOR, 'big'), 22 * SECTOR);

  const directory = (self: number, name: (f: (typeof placed)[number]) => Buffer): Buffer => {
    const records = [
      directoryRecord({ sector: self, size: SECTOR, isDirectory: true, name: Buffer.from([0]), date }),
      directoryRecord({ sector: self, size: SECTOR, isDirectory: true, name: Buffer.from([1]), date }),
      ...placed.map((f) => directoryRecord({ sector: f.sector, size: f.content.length, isDirectory: false, name: name(f), date })),
    ];
    const body = Buffer.concat(records);
    if (body.length > SECTOR) throw new Error('too many files for a one-sector root directory');
    return body;
  };
  image.set(directory(PRIMARY_ROOT_SECTOR, (f) => Buffer.from(`${f.plainName};1`, 'ascii')), PRIMARY_ROOT_SECTOR * SECTOR);
  image.set(directory(JOLIET_ROOT_SECTOR, (f) => ucs2(f.name)), JOLIET_ROOT_SECTOR * SECTOR);
  for (const file of placed) image.set(file.content, file.sector * SECTOR);
  return image;
}

function validate(options: IsoOptions): void {
  if (options.volumeId.length === 0 || options.volumeId.length > 16 || !/^[A-Za-z0-9_]+$/.test(options.volumeId)) {
    // 16, not 32: the Joliet copy of the label is UCS-2 in the same 32 bytes.
    throw new Error(`ISO volume id must be 1-16 letters, digits or _, not "${options.volumeId}"`);
  }
  const seen = new Set<string>();
  for (const { name } of options.files) {
    if (name.length === 0 || name.length > 64 || /[/\\;*:?"<>|\0]/.test(name) || name === '.' || name === '..') throw new Error(`not a file name an ISO can hold: "${name}"`);
    if (seen.has(name)) throw new Error(`two files named "${name}"`);
    seen.add(name);
  }
}

/** Level-1 names for the plain tree (8.3 of A-Z 0-9 _), made unique with a numeric tail. */
function uniquePlainNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    const dot = name.lastIndexOf('.');
    const clean = (s: string, n: number) => s.toUpperCase().replace(/[^A-Z0-9_]/g, '_').slice(0, n);
    const stem = clean(dot > 0 ? name.slice(0, dot) : name, 8) || '_';
    const ext = dot > 0 ? clean(name.slice(dot + 1), 3) : '';
    let candidate = `${stem}.${ext}`;
    for (let i = 1; used.has(candidate); i++) candidate = `${stem.slice(0, 8 - String(i).length)}${i}.${ext}`;
    used.add(candidate);
    return candidate;
  });
}

function ucs2(text: string): Buffer {
  const out = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return out;
}

/** ISO 9660 stores many numbers twice, little-endian then big-endian ("both-byte order"). */
function both32(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(value, 0);
  b.writeUInt32BE(value, 4);
  return b;
}

function both16(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(value, 0);
  b.writeUInt16BE(value, 2);
  return b;
}

/** The 7-byte date of a directory record: years since 1900, month, day, hour, minute, second, UTC offset. */
function recordDate(date: Date): Buffer {
  return Buffer.from([date.getUTCFullYear() - 1900, date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), 0]);
}

/** The 17-byte date of a volume descriptor: "YYYYMMDDHHMMSScc" and a UTC offset byte. */
function volumeDate(date: Date | undefined): Buffer {
  if (!date) return Buffer.concat([Buffer.from('0'.repeat(16), 'ascii'), Buffer.from([0])]);
  const iso = date.toISOString(); // 2026-11-30T19:05:36.123Z
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}${iso.slice(20, 22)}`;
  return Buffer.concat([Buffer.from(digits, 'ascii'), Buffer.from([0])]);
}

function directoryRecord(entry: { sector: number; size: number; isDirectory: boolean; name: Buffer; date: Date }): Buffer {
  const length = 33 + entry.name.length + (entry.name.length % 2 === 0 ? 1 : 0);
  const record = Buffer.alloc(length);
  record[0] = length;
  record[1] = 0; // no extended attribute record
  both32(entry.sector).copy(record, 2);
  both32(entry.size).copy(record, 10);
  recordDate(entry.date).copy(record, 18);
  record[25] = entry.isDirectory ? 0x02 : 0x00;
  both16(1).copy(record, 28); // volume sequence number
  record[32] = entry.name.length;
  entry.name.copy(record, 33);
  return record;
}

/** A text field padded with spaces: bytes for the primary descriptor, UCS-2 for Joliet's. */
function textField(text: string, bytes: number, joliet: boolean): Buffer {
  if (!joliet) return Buffer.from(text.padEnd(bytes, ' ').slice(0, bytes), 'ascii');
  return ucs2(text.padEnd(bytes / 2, ' ').slice(0, bytes / 2));
}

function volumeDescriptor(d: { type: 1 | 2; volumeId: string; totalSectors: number; root: Buffer; pathTables: [number, number]; joliet: boolean; date: Date }): Buffer {
  const v = Buffer.alloc(SECTOR);
  v[0] = d.type;
  v.write('CD001', 1, 'ascii');
  v[6] = 1;
  textField('', 32, d.joliet).copy(v, 8); // system identifier
  textField(d.volumeId, 32, d.joliet).copy(v, 40);
  both32(d.totalSectors).copy(v, 80);
  // Joliet's escape sequence: UCS-2 level 3.
  if (d.joliet) v.write('%/E', 88, 'ascii');
  both16(1).copy(v, 120); // volume set size
  both16(1).copy(v, 124); // volume sequence number
  both16(SECTOR).copy(v, 128); // logical block size
  both32(PATH_TABLE_SIZE).copy(v, 132);
  v.writeUInt32LE(d.pathTables[0], 140);
  v.writeUInt32BE(d.pathTables[1], 148);
  d.root.copy(v, 156);
  for (const [offset, bytes] of [[190, 128], [318, 128], [446, 128], [574, 128]] as const) textField('', bytes, d.joliet).copy(v, offset); // set, publisher, preparer, application
  for (const offset of [702, 739, 776]) textField('', d.joliet ? 36 : 37, d.joliet).copy(v, offset); // copyright, abstract, bibliographic files
  volumeDate(d.date).copy(v, 813); // created
  volumeDate(d.date).copy(v, 830); // modified
  volumeDate(undefined).copy(v, 847); // expires: never
  volumeDate(undefined).copy(v, 864); // effective: at once
  v[881] = 1; // file structure version
  return v;
}

function terminator(): Buffer {
  const v = Buffer.alloc(SECTOR);
  v[0] = 255;
  v.write('CD001', 1, 'ascii');
  v[6] = 1;
  return v;
}

/** A path table holding the root directory alone. */
function pathTable(rootSector: number, order: 'little' | 'big'): Buffer {
  const t = Buffer.alloc(PATH_TABLE_SIZE);
  t[0] = 1; // name length
  if (order === 'little') {
    t.writeUInt32LE(rootSector, 2);
    t.writeUInt16LE(1, 6);
  } else {
    t.writeUInt32BE(rootSector, 2);
    t.writeUInt16BE(1, 6);
  }
  return t;
}
