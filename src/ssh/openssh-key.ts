import { generateKeyPairSync, randomBytes } from 'node:crypto';

/**
 * An ed25519 key pair in OpenSSH's formats, built from node:crypto. ssh2's own generator drops a
 * leading zero byte of the public key (about one key in 256), producing a private key that neither
 * ssh2 nor OpenSSH can load; the format is small enough to write exactly.
 */
export interface OpenSshKeyPair {
  /** PEM-armoured `openssh-key-v1`, unencrypted. */
  privateKey: string;
  /** `ssh-ed25519 BASE64 comment` */
  publicKey: string;
}

const KEY_TYPE = 'ssh-ed25519';

export function generateEd25519OpenSsh(comment: string): OpenSshKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwkPublic = publicKey.export({ format: 'jwk' });
  const jwkPrivate = privateKey.export({ format: 'jwk' });
  const pub = Buffer.from(String(jwkPublic.x), 'base64url');
  const seed = Buffer.from(String(jwkPrivate.d), 'base64url');
  if (pub.length !== 32 || seed.length !== 32) throw new Error('unexpected ed25519 key length from node:crypto');

  const publicBlob = Buffer.concat([sshString(KEY_TYPE), sshString(pub)]);
  const check = randomBytes(4);
  const unpadded = Buffer.concat([check, check, sshString(KEY_TYPE), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  // The private section is padded with 1, 2, 3, ... to the cipher block size (8 for "none").
  const padLength = (8 - (unpadded.length % 8)) % 8;
  const padding = Buffer.from(Array.from({ length: padLength }, (_, i) => i + 1));
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(publicBlob),
    sshString(Buffer.concat([unpadded, padding])),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return {
    privateKey: ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----', ''].join('\n'),
    publicKey: `${KEY_TYPE} ${publicBlob.toString('base64')} ${comment}`,
  };
}

function uint32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

function sshString(value: string | Buffer): Buffer {
  const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([uint32(data.length), data]);
}
