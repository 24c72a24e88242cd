import { MachineError } from '../core/errors';

/**
 * ASCII armor (RFC 4880 section 6): a BEGIN line, optional `Key: value` headers, a blank line, base64
 * data, an optional `=XXXX` CRC24 checksum and an END line. We check the checksum when it is there,
 * because a truncated or hand-edited key file should fail here and not later as an apt signature error.
 */
export interface Armor {
  /** The label between BEGIN and the dashes, e.g. "PGP PUBLIC KEY BLOCK". */
  label: string;
  data: Buffer;
}

export function decodeArmor(text: string): Armor {
  const lines = text.split(/\r?\n/).map((line) => line.trimEnd());
  const begin = lines.findIndex((line) => /^-----BEGIN (.+)-----$/.test(line));
  if (begin < 0) throw invalidKey('no "-----BEGIN PGP PUBLIC KEY BLOCK-----" line found');
  const label = /^-----BEGIN (.+)-----$/.exec(lines[begin])?.[1] ?? '';
  const end = lines.findIndex((line, index) => index > begin && line === `-----END ${label}-----`);
  if (end < 0) throw invalidKey(`no "-----END ${label}-----" line found`);

  let index = begin + 1;
  // Headers run up to the first blank line; some writers omit both, so only skip lines shaped like headers.
  while (index < end && /^[A-Za-z][A-Za-z0-9-]*: /.test(lines[index])) index++;
  if (index < end && lines[index].trim() === '') index++;

  let base64 = '';
  let checksum: string | undefined;
  for (; index < end; index++) {
    const line = lines[index].trim();
    if (line === '') continue;
    if (line.startsWith('=')) {
      checksum = line.slice(1);
      break;
    }
    if (!/^[A-Za-z0-9+/]+=*$/.test(line)) throw invalidKey(`armor line ${index + 1} is not base64`);
    base64 += line;
  }
  const data = Buffer.from(base64, 'base64');
  if (data.length === 0) throw invalidKey('the armor holds no data');
  if (checksum !== undefined) {
    const expected = Buffer.from(checksum, 'base64');
    if (expected.length !== 3 || expected.readUIntBE(0, 3) !== crc24(data)) {
      throw invalidKey('the armor checksum does not match its data (the file is damaged or truncated)');
    }
  }
  return { label, data };
}

/** CRC-24 as defined for OpenPGP armor. */
export function crc24(data: Uint8Array): number {
  let crc = 0xb704ce;
  for (const byte of data) {
    crc ^= byte << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

export function invalidKey(reason: string): MachineError {
  return new MachineError(`not an OpenPGP public key: ${reason}`, {
    code: 'INVALID_KEY',
    suggestions: ['give the ASCII-armored public key (.asc) that signs the repository, e.g. as exported by `gpg --armor --export KEYID`'],
  });
}
