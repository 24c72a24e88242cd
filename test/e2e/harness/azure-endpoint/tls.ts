import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCa, issueServerCert } from '../../../../src/tls';

export interface TestTls {
  /** The test CA's certificate, for NODE_EXTRA_CA_CERTS (a child) or the SDK's tlsOptions.ca (in process). */
  caPem: string;
  /** The file holding caPem, for NODE_EXTRA_CA_CERTS. */
  caFile: string;
  cert: string;
  key: string;
  dispose(): Promise<void>;
}

/**
 * A CA of the test's own and a server certificate for 127.0.0.1 and localhost. The Azure SDK sends a
 * bearer token over TLS only (its token policy refuses plain http), so the local control plane and its
 * token endpoint speak HTTPS, trusted by whoever the test hands the CA to.
 */
export async function makeTestTls(): Promise<TestTls> {
  const ca = await createCa({ keyType: 'ecdsa' });
  const server = await issueServerCert(ca, { keyType: 'ecdsa', machineName: 'local-azure', sans: ['127.0.0.1', 'localhost'] });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-local-azure-ca-'));
  const caFile = path.join(dir, 'ca.pem');
  await fs.writeFile(caFile, ca.certPem);
  return { caPem: ca.certPem, caFile, cert: server.certPem, key: server.keyPem, dispose: () => fs.rm(dir, { recursive: true, force: true }) };
}
