import type { StoreLayout } from '../core/store-layout';
import { readStoreFile } from '../core/store/no-follow';
import { CERTIFICATE_MODE, ensurePrivateDir, writePemPair } from './pem-files';
import { writeFileAtomic } from '../core/fs-atomic';
import { storeInvalid } from './store-validation';
import type { PemPair } from './types';

/**
 * Copies the store's ca.pem, cert.pem and key.pem into machines/NAME/, the folder DOCKER_CERT_PATH
 * names, so a docker context or `machine env` works from that folder alone.
 */
export async function copyClientMaterialToMachine(layout: StoreLayout, name: string): Promise<void> {
  const [caPem, certPem, keyPem] = await Promise.all([layout.caCert(), layout.clientCert(), layout.clientKey()].map((file) => readStoreFile(layout.root, file)));
  if (caPem === undefined || certPem === undefined || keyPem === undefined) {
    throw storeInvalid(layout, 'ca.pem, cert.pem or key.pem is missing');
  }
  await ensurePrivateDir(layout.machineDir(name));
  await writePemPair({ cert: layout.machineFile(name, 'cert.pem'), key: layout.machineFile(name, 'key.pem') }, { certPem, keyPem });
  await writeFileAtomic(layout.machineFile(name, 'ca.pem'), caPem, CERTIFICATE_MODE);
}

/** Stores dockerd's certificate and key (server.pem, server-key.pem 0600) for provisioning to upload. */
export async function writeServerCertificate(layout: StoreLayout, name: string, pair: PemPair): Promise<void> {
  await ensurePrivateDir(layout.machineDir(name));
  await writePemPair({ cert: layout.machineFile(name, 'server.pem'), key: layout.machineFile(name, 'server-key.pem') }, pair);
}

