import { createPrivateKey, X509Certificate } from 'node:crypto';
import * as path from 'node:path';
import { MachineError } from '../core/errors';
import type { StoreLayout } from '../core/store-layout';
import type { PemPair } from './types';

/** Everything wrong with the store's certificates ends here, with the same way out. */
export function storeInvalid(layout: StoreLayout, problem: string, cause?: unknown): MachineError {
  return new MachineError(`the TLS certificates in ${layout.certsDir} are unusable: ${problem}`, {
    code: 'TLS_STORE_INVALID',
    cause,
    suggestions: [
      'make a new CA and client certificate with `machine regenerate-certs --client-certs --force NAME`, then run `machine regenerate-certs --force` for every other machine',
      `or, with no machines left, move ${layout.certsDir} aside and the next \`machine create\` makes new ones`,
    ],
  });
}

/** Parses the CA and checks it is a CA, its key belongs to it, and it has not expired. */
export function checkCa(layout: StoreLayout, ca: PemPair, files = { cert: layout.caCert(), key: layout.caKey() }): X509Certificate {
  const cert = parseCertificate(layout, ca.certPem, files.cert);
  if (!cert.ca) throw storeInvalid(layout, `${path.basename(files.cert)} is not a CA certificate`);
  checkKeyMatches(layout, cert, ca.keyPem, files);
  checkNotExpired(layout, cert, files.cert);
  return cert;
}

/** Parses the client certificate and checks its key and that the CA signed it. */
export function checkClient(layout: StoreLayout, caCert: X509Certificate, client: PemPair): void {
  const files = { cert: layout.clientCert(), key: layout.clientKey() };
  const cert = parseCertificate(layout, client.certPem, files.cert);
  checkKeyMatches(layout, cert, client.keyPem, files);
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) {
    throw storeInvalid(layout, `${path.basename(files.cert)} was not signed by ${path.basename(layout.caCert())} (the CA was replaced without the client certificate)`);
  }
  checkNotExpired(layout, cert, files.cert);
}

function parseCertificate(layout: StoreLayout, pem: string, file: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw storeInvalid(layout, `${path.basename(file)} is not a PEM certificate`, err);
  }
}

function checkKeyMatches(layout: StoreLayout, cert: X509Certificate, keyPem: string, files: { cert: string; key: string }): void {
  let matches: boolean;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch (err) {
    throw storeInvalid(layout, `${path.basename(files.key)} is not a PEM private key`, err);
  }
  if (!matches) throw storeInvalid(layout, `${path.basename(files.key)} is not the key of ${path.basename(files.cert)}`);
}

function checkNotExpired(layout: StoreLayout, cert: X509Certificate, file: string): void {
  const notAfter = new Date(cert.validTo);
  if (notAfter.getTime() <= Date.now()) throw storeInvalid(layout, `${path.basename(file)} expired on ${notAfter.toISOString()}`);
}
