import { X509Certificate, createPrivateKey } from 'node:crypto';

/** The PEM files docker-machine gave one machine: the client side and dockerd's side of its TLS. */
export interface DockerMachineTlsFiles {
  caPem: string;
  certPem: string;
  keyPem: string;
  serverPem: string;
  serverKeyPem: string;
}

/**
 * Why these files cannot serve the machine as they are, or undefined when they can: dockerd on the
 * host already runs with the server pair, so keeping them needs both certificates to chain to the
 * CA, each to match its key, to be valid now, and the server's to name the address we connect to.
 */
export function tlsFilesProblem(files: DockerMachineTlsFiles, address: string, now: Date): string | undefined {
  let ca: X509Certificate, client: X509Certificate, server: X509Certificate;
  try {
    ca = new X509Certificate(files.caPem);
    client = new X509Certificate(files.certPem);
    server = new X509Certificate(files.serverPem);
  } catch {
    return 'a certificate does not parse';
  }
  if (!client.verify(ca.publicKey)) return 'the client certificate is not signed by the CA';
  if (!server.verify(ca.publicKey)) return 'the server certificate is not signed by the CA';
  for (const [what, cert, keyPem] of [['client', client, files.keyPem], ['server', server, files.serverKeyPem]] as const) {
    try {
      if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return `the ${what} key does not match its certificate`;
    } catch {
      return `the ${what} key does not parse`;
    }
    if (new Date(cert.validTo) <= now || new Date(cert.validFrom) > now) return `the ${what} certificate is not valid now (${cert.validFrom} to ${cert.validTo})`;
  }
  const named = address.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(address) ? server.checkIP(address) : server.checkHost(address);
  if (!named) return `the server certificate does not name ${address}`;
  return undefined;
}
