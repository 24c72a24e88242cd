import { createPrivateKey, webcrypto } from 'node:crypto';
import { MachineError } from '../core/errors';
import type { KeyType } from './types';

type GenerationAlgorithm = webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams;
type ImportAlgorithm = webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
type SigningAlgorithm = webcrypto.EcdsaParams | webcrypto.Algorithm;

const GENERATION: Record<KeyType, GenerationAlgorithm> = {
  ecdsa: { name: 'ECDSA', namedCurve: 'P-256' },
  rsa: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
};

const IMPORT: Record<KeyType, ImportAlgorithm> = {
  ecdsa: { name: 'ECDSA', namedCurve: 'P-256' },
  rsa: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
};

/** Signatures are always SHA-256: what Go's TLS stack, OpenSSL and every docker release accept. */
const SIGNING: Record<KeyType, SigningAlgorithm> = {
  ecdsa: { name: 'ECDSA', hash: 'SHA-256' },
  rsa: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
};

export function signingAlgorithmFor(keyType: KeyType): SigningAlgorithm {
  return SIGNING[keyType];
}

export async function generateKeyPair(keyType: KeyType): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(GENERATION[keyType], true, ['sign', 'verify']);
}

/** PKCS#8 PEM ("PRIVATE KEY"): Go's tls.X509KeyPair reads it for EC and RSA alike, as does OpenSSL. */
export async function privateKeyToPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const body = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
}

/**
 * Loads a PEM private key for signing. node:crypto reads it first, so PKCS#1 and SEC1 keys (say, a CA
 * made by another tool) work too; its type decides the signature algorithm of everything it signs.
 */
export async function importSigningKey(pem: string): Promise<{ key: webcrypto.CryptoKey; keyType: KeyType }> {
  const keyObject = createPrivateKey(pem);
  const keyType = keyTypeOf(keyObject.asymmetricKeyType, keyObject.asymmetricKeyDetails?.namedCurve);
  const der = keyObject.export({ type: 'pkcs8', format: 'der' });
  const key = await webcrypto.subtle.importKey('pkcs8', der, IMPORT[keyType], false, ['sign']);
  return { key, keyType };
}

function keyTypeOf(asymmetricKeyType: string | undefined, namedCurve: string | undefined): KeyType {
  if (asymmetricKeyType === 'rsa') return 'rsa';
  if (asymmetricKeyType === 'ec' && namedCurve === 'prime256v1') return 'ecdsa';
  const found = `${asymmetricKeyType ?? 'unknown'}${namedCurve ? ` (${namedCurve})` : ''}`;
  throw new MachineError(`the CA key is of a type machine cannot sign with: ${found}`, {
    code: 'TLS_UNSUPPORTED_KEY',
    suggestions: ['make a new CA with `machine regenerate-certs --client-certs --force NAME`; it uses ECDSA P-256 or RSA 2048'],
  });
}
