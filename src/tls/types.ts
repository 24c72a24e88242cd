/** ECDSA P-256 is the default: keys are made in about a millisecond. RSA 2048 is there for old clients. */
export type KeyType = 'ecdsa' | 'rsa';

/** A certificate and its private key, both PEM text. The key is PKCS#8 ("PRIVATE KEY"). */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

/** The names a server certificate answers to, split the way X.509 stores them. */
export interface SubjectAltNames {
  ips: string[];
  dns: string[];
}
