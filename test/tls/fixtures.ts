import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCa, issueClientCert, issueServerCert } from '../../src/tls';
import type { KeyType, PemPair } from '../../src/tls';

export const KEY_TYPES: KeyType[] = ['ecdsa', 'rsa'];

export interface Material {
  ca: PemPair;
  client: PemPair;
  server: PemPair;
}

export const SERVER_SANS = ['203.0.113.5', '2001:DB8::5', 'docker.example.com', '10.0.0.7', '203.0.113.5'];

/** One CA, client and server per key type and test file: RSA keys take a while, so make them once. */
const cache = new Map<KeyType, Promise<Material>>();
export function material(keyType: KeyType): Promise<Material> {
  let made = cache.get(keyType);
  if (!made) {
    made = (async () => {
      const ca = await createCa({ keyType });
      const [client, server] = await Promise.all([
        issueClientCert(ca, { keyType }),
        issueServerCert(ca, { keyType, machineName: 'dev1', sans: SERVER_SANS }),
      ]);
      return { ca, client, server };
    })();
    cache.set(keyType, made);
  }
  return made;
}

const madeDirs: string[] = [];
export async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-tls-'));
  madeDirs.push(dir);
  return dir;
}
/** For afterAll: removes every folder tempDir made in this test file. */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(madeDirs.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
}

export async function fileMode(file: string): Promise<number> {
  return (await fs.stat(file)).mode & 0o777;
}

/**
 * The raw DER bytes of a certificate's issuer and subject names. Go finds a certificate's parent by
 * comparing these bytes exactly, so a leaf's issuer must be the CA's subject byte for byte.
 */
export function rawNames(certPem: string): { issuer: Buffer; subject: Buffer } {
  const der = Buffer.from(certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const certificate = readTlv(der, 0);
  const tbs = readTlv(der, certificate.contentStart);
  let offset = tbs.contentStart;
  const fields: Buffer[] = [];
  while (offset < tbs.end && fields.length < 6) {
    const field = readTlv(der, offset);
    fields.push(der.subarray(offset, field.end));
    offset = field.end;
  }
  // version [0], serialNumber, signature, issuer, validity, subject
  const hasVersion = fields[0][0] === 0xa0;
  const at = (index: number) => fields[hasVersion ? index : index - 1];
  return { issuer: at(3), subject: at(5) };
}

function readTlv(der: Buffer, offset: number): { contentStart: number; end: number } {
  const first = der[offset + 1];
  let length = first;
  let headerLength = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[offset + 2 + i];
    headerLength += count;
  }
  return { contentStart: offset + headerLength, end: offset + headerLength + length };
}
