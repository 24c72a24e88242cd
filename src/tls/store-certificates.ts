import type { StoreLayout } from '../core/store-layout';
import { createCa, issueClientCert } from './certificates';
import { readStoreFile } from '../core/store/no-follow';
import { ensurePrivateDir, writePemPair } from './pem-files';
import { checkCa, checkClient, storeInvalid } from './store-validation';
import type { KeyType, PemPair } from './types';

/*
 * The store's CA and client certificate (STORE/certs). Callers hold the store lock; nothing here locks.
 */

/**
 * Makes what is missing and checks what is there. A key without its certificate is an interrupted
 * creation (keys are written first) and is replaced; a certificate without its key, a client
 * certificate without its CA, or one the CA did not sign is an error, because replacing them would
 * silently cut off every existing machine.
 */
export async function ensureStoreCertificates(layout: StoreLayout, keyType: KeyType): Promise<{ created: boolean }> {
  await ensurePrivateDir(layout.certsDir);
  const [caCertPem, caKeyPem, clientCertPem, clientKeyPem] = await Promise.all(
    [layout.caCert(), layout.caKey(), layout.clientCert(), layout.clientKey()].map((file) => readStoreFile(layout.root, file)),
  );
  let created = false;

  let ca: PemPair;
  if (caCertPem === undefined) {
    if (clientCertPem !== undefined) throw storeInvalid(layout, 'ca.pem is missing, but cert.pem is there: the CA that signed it is gone');
    ca = await createCa({ keyType });
    await writePemPair({ cert: layout.caCert(), key: layout.caKey() }, ca);
    created = true;
  } else {
    if (caKeyPem === undefined) throw storeInvalid(layout, 'ca-key.pem is missing, so no new certificate can be signed');
    ca = { certPem: caCertPem, keyPem: caKeyPem };
  }
  const caCert = checkCa(layout, ca);

  if (clientCertPem === undefined) {
    await writePemPair({ cert: layout.clientCert(), key: layout.clientKey() }, await issueClientCert(ca, { keyType }));
    created = true;
  } else {
    if (clientKeyPem === undefined) throw storeInvalid(layout, 'key.pem is missing, so docker cannot present cert.pem');
    checkClient(layout, caCert, { certPem: clientCertPem, keyPem: clientKeyPem });
  }
  return { created };
}

/** Replaces the CA and the client certificate. Every machine needs a new server certificate afterwards. */
export async function rotateStoreCertificates(layout: StoreLayout, keyType: KeyType): Promise<void> {
  await ensurePrivateDir(layout.certsDir);
  // Both are made before anything is written, so a failure to generate leaves the old pair in place.
  const ca = await createCa({ keyType });
  const client = await issueClientCert(ca, { keyType });
  await writePemPair({ cert: layout.caCert(), key: layout.caKey() }, ca);
  await writePemPair({ cert: layout.clientCert(), key: layout.clientKey() }, client);
}

/** The CA, checked (its key must match it) so we never sign with a key nobody trusts. */
export async function loadCa(layout: StoreLayout): Promise<PemPair> {
  const [certPem, keyPem] = await Promise.all([readStoreFile(layout.root, layout.caCert()), readStoreFile(layout.root, layout.caKey())]);
  if (certPem === undefined || keyPem === undefined) {
    throw storeInvalid(layout, `${certPem === undefined ? 'ca.pem' : 'ca-key.pem'} is missing`);
  }
  const ca = { certPem, keyPem };
  checkCa(layout, ca);
  return ca;
}
