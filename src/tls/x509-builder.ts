// @peculiar/x509 needs a Reflect metadata polyfill loaded before it. This module is the only one that
// loads the library, and only on demand (see certificates.ts): it costs about 80 ms of start-up.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { randomSerialNumber, validityWindow } from './certificate-fields';
import { generateKeyPair, importSigningKey, privateKeyToPem, signingAlgorithmFor } from './key-pair';
import { serverSubjectAltNames } from './subject-alt-names';
import { parseIp } from './ip-address';
import type { KeyType, PemPair } from './types';

// Keys come from node's WebCrypto, so the library must sign with that same provider rather than whatever
// `globalThis.crypto` is where it loads (jest, for one, gives modules their own globals).
x509.cryptoProvider.set(webcrypto);

const ORGANIZATION = 'machine';

function distinguishedName(commonName: string): x509.JsonName {
  return [{ O: [ORGANIZATION] }, { CN: [commonName] }];
}

export async function createCa(opts: { keyType: KeyType }): Promise<PemPair> {
  const keys = await generateKeyPair(opts.keyType);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: distinguishedName('machine CA'),
    ...validityWindow(),
    keys,
    signingAlgorithm: signingAlgorithmFor(opts.keyType),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await privateKeyToPem(keys.privateKey) };
}

export async function issueClientCert(ca: PemPair, opts: { keyType: KeyType }): Promise<PemPair> {
  return issueLeaf(ca, opts.keyType, {
    commonName: 'machine client',
    usage: x509.ExtendedKeyUsage.clientAuth,
    extraExtensions: [],
  });
}

export async function issueServerCert(ca: PemPair, opts: { keyType: KeyType; machineName: string; sans: string[] }): Promise<PemPair> {
  const names = serverSubjectAltNames(opts.machineName, opts.sans);
  const generalNames: x509.JsonGeneralNames = [
    ...names.dns.map((value) => ({ type: 'dns' as const, value })),
    // The library parses only plain or fully written-out addresses, so hand it the expanded form.
    ...names.ips.map((value) => ({ type: 'ip' as const, value: parseIp(value)?.expanded ?? value })),
  ];
  return issueLeaf(ca, opts.keyType, {
    commonName: opts.machineName,
    usage: x509.ExtendedKeyUsage.serverAuth,
    extraExtensions: [new x509.SubjectAlternativeNameExtension(generalNames, false)],
  });
}

interface LeafProfile {
  commonName: string;
  usage: x509.ExtendedKeyUsage;
  extraExtensions: x509.Extension[];
}

async function issueLeaf(ca: PemPair, keyType: KeyType, profile: LeafProfile): Promise<PemPair> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const signer = await importSigningKey(ca.keyPem);
  const keys = await generateKeyPair(keyType);
  // RSA keys may also be used to encrypt the TLS pre-master secret (TLS 1.2 RSA key exchange); EC keys only sign.
  const keyUsage = keyType === 'rsa' ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.digitalSignature;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    // The CA's own encoded name, not a re-spelling of it: Go finds the issuer by comparing these bytes.
    issuer: caCert.subjectName,
    subject: distinguishedName(profile.commonName),
    ...validityWindow(new Date(), caCert.notAfter),
    publicKey: keys.publicKey,
    signingKey: signer.key,
    signingAlgorithm: signingAlgorithmFor(signer.keyType),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(keyUsage, true),
      new x509.ExtendedKeyUsageExtension([profile.usage], false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await authorityKeyIdentifier(caCert),
      ...profile.extraExtensions,
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await privateKeyToPem(keys.privateKey) };
}

/** Points at the CA's own key identifier when it has one (a CA from another tool may have computed it differently). */
async function authorityKeyIdentifier(caCert: x509.X509Certificate): Promise<x509.AuthorityKeyIdentifierExtension> {
  const subjectKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  return subjectKeyId ? new x509.AuthorityKeyIdentifierExtension(subjectKeyId) : x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey);
}
