import type { KeyType, PemPair } from './types';

/*
 * The public way to make certificates. The X.509 library behind it is loaded on first use only, so
 * commands that merely read certificates (start, env, ls) do not pay for it.
 */
const builder = () => import('./x509-builder');

/** A new CA: O=machine, CN=machine CA, CA:true (critical), keyCertSign+cRLSign+digitalSignature, ~3 years. */
export async function createCa(opts: { keyType: KeyType }): Promise<PemPair> {
  return (await builder()).createCa(opts);
}

/** The certificate the docker CLI presents: EKU clientAuth, CA:false, signed by `ca`. */
export async function issueClientCert(ca: PemPair, opts: { keyType: KeyType }): Promise<PemPair> {
  return (await builder()).issueClientCert(ca, opts);
}

/**
 * dockerd's certificate: EKU serverAuth, CN = machine name; SANs are `sans` (each an IP or a DNS name)
 * plus localhost, 127.0.0.1 and the machine name, each once.
 */
export async function issueServerCert(ca: PemPair, opts: { keyType: KeyType; machineName: string; sans: string[] }): Promise<PemPair> {
  return (await builder()).issueServerCert(ca, opts);
}
