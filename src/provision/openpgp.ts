import { createHash } from 'node:crypto';
import { decodeArmor, invalidKey } from './openpgp-armor';

/** One OpenPGP packet: its tag and body, whatever header format carried it. */
export interface Packet {
  tag: number;
  body: Buffer;
}

const PUBLIC_KEY_TAG = 6;
const SECRET_KEY_TAG = 5;

/**
 * The v4 fingerprint of the primary key in an armored public key: SHA-1 over 0x99, the two-byte body
 * length and the public-key packet body (RFC 4880 section 12.2), as 40 uppercase hex digits. This is
 * what `gpg --show-keys` prints and what we compare against a pinned value before trusting a key.
 */
export function armoredKeyFingerprint(armored: string): string {
  const armor = decodeArmor(armored);
  if (armor.label.includes('PRIVATE')) throw invalidKey('this is a private key block; give the public key');
  const first = readPackets(armor.data)[0];
  if (first === undefined || first.tag !== PUBLIC_KEY_TAG) {
    const what = first?.tag === SECRET_KEY_TAG ? 'a secret key' : `packet type ${first?.tag ?? 'none'}`;
    throw invalidKey(`the first packet is ${what}, not a public key`);
  }
  return v4Fingerprint(first.body);
}

export function v4Fingerprint(publicKeyBody: Buffer): string {
  const version = publicKeyBody[0];
  if (version !== 4) throw invalidKey(`key version ${version} is not supported (only version 4 keys)`);
  if (publicKeyBody.length > 0xffff) throw invalidKey('the public key packet is too long');
  const prefix = Buffer.from([0x99, publicKeyBody.length >> 8, publicKeyBody.length & 0xff]);
  return createHash('sha1').update(prefix).update(publicKeyBody).digest('hex').toUpperCase();
}

/** Splits binary OpenPGP data into packets, accepting both the old and the new header formats. */
export function readPackets(data: Buffer): Packet[] {
  const packets: Packet[] = [];
  let offset = 0;
  while (offset < data.length) {
    const header = data[offset++];
    if ((header & 0x80) === 0) throw invalidKey(`byte ${offset - 1} is not a packet header`);
    const isNewFormat = (header & 0x40) !== 0;
    const tag = isNewFormat ? header & 0x3f : (header >> 2) & 0x0f;
    const length = isNewFormat ? readNewLength(data, offset) : readOldLength(data, offset, header & 0x03);
    offset += length.headerBytes;
    const bodyLength = length.bodyLength ?? data.length - offset;
    if (offset + bodyLength > data.length) throw invalidKey('a packet runs past the end of the data (truncated key)');
    packets.push({ tag, body: data.subarray(offset, offset + bodyLength) });
    offset += bodyLength;
  }
  return packets;
}

interface PacketLength {
  headerBytes: number;
  /** Undefined for the old format's "indeterminate" length: the packet runs to the end. */
  bodyLength?: number;
}

function readNewLength(data: Buffer, offset: number): PacketLength {
  const first = byteAt(data, offset);
  if (first < 192) return { headerBytes: 1, bodyLength: first };
  if (first < 224) return { headerBytes: 2, bodyLength: ((first - 192) << 8) + byteAt(data, offset + 1) + 192 };
  if (first === 255) {
    ensureAvailable(data, offset + 1, 4);
    return { headerBytes: 5, bodyLength: data.readUInt32BE(offset + 1) };
  }
  // Partial body lengths are only allowed for data packets, never for keys.
  throw invalidKey('partial-length packet where a key was expected');
}

function readOldLength(data: Buffer, offset: number, lengthType: number): PacketLength {
  switch (lengthType) {
    case 0:
      return { headerBytes: 1, bodyLength: byteAt(data, offset) };
    case 1:
      ensureAvailable(data, offset, 2);
      return { headerBytes: 2, bodyLength: data.readUInt16BE(offset) };
    case 2:
      ensureAvailable(data, offset, 4);
      return { headerBytes: 4, bodyLength: data.readUInt32BE(offset) };
    default:
      return { headerBytes: 0 };
  }
}

function byteAt(data: Buffer, offset: number): number {
  ensureAvailable(data, offset, 1);
  return data[offset];
}

function ensureAvailable(data: Buffer, offset: number, count: number): void {
  if (offset + count > data.length) throw invalidKey('a packet header runs past the end of the data (truncated key)');
}
