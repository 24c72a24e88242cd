/**
 * Certificates for mutual TLS between the docker CLI and dockerd. Importing this module is cheap:
 * the X.509 library loads only when a certificate is made.
 */
export type { KeyType, PemPair, SubjectAltNames } from './types';
export { createCa, issueClientCert, issueServerCert } from './certificates';
export { certificateCovers, certificateSans } from './inspect';
export { ensureStoreCertificates, loadCa, rotateStoreCertificates } from './store-certificates';
export { copyClientMaterialToMachine, writeServerCertificate } from './machine-certificates';
