import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { createCa, issueClientCert } from '../../src/tls';
import type { PemPair } from '../../src/tls';
import { KEY_TYPES, material } from './fixtures';

/** dockerd's side, as it is configured: a certificate is required and must come from our CA. */
async function startServer(server: PemPair, caPem: string): Promise<{ port: number; close: () => Promise<void> }> {
  const listener = tls.createServer({ cert: server.certPem, key: server.keyPem, ca: caPem, requestCert: true, rejectUnauthorized: true }, (socket) =>
    socket.end('hello'),
  );
  listener.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  return {
    port: (listener.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => listener.close(() => resolve())),
  };
}

interface ConnectOptions {
  caPem: string;
  client?: PemPair;
  servername?: string;
  maxVersion?: tls.SecureVersion;
}

/**
 * The docker CLI's side. Success means the server's greeting arrived: with TLS 1.3 the client's
 * handshake completes before the server has judged the client certificate, so only data proves it.
 */
function exchange(port: number, options: ConnectOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      ca: options.caPem,
      ...(options.client ? { cert: options.client.certPem, key: options.client.keyPem } : {}),
      ...(options.servername ? { servername: options.servername } : {}),
      ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
    });
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => (received === 'hello' ? resolve(received) : reject(new Error(`connection closed after ${JSON.stringify(received)}`))));
  });
}

describe.each(KEY_TYPES)('mutual TLS with %s certificates', (keyType) => {
  let server: { port: number; close: () => Promise<void> };
  let ca: PemPair;
  let client: PemPair;

  beforeAll(async () => {
    const made = await material(keyType);
    ({ ca, client } = made);
    server = await startServer(made.server, made.ca.certPem);
  });
  afterAll(() => server.close());

  it.each(['TLSv1.2', 'TLSv1.3'] as const)('succeeds with the client certificate over %s', async (maxVersion) => {
    await expect(exchange(server.port, { caPem: ca.certPem, client, maxVersion })).resolves.toBe('hello');
  });

  it.each(['localhost', 'dev1', 'docker.example.com'])('the server certificate is valid for %s', async (servername) => {
    await expect(exchange(server.port, { caPem: ca.certPem, client, servername })).resolves.toBe('hello');
  });

  it('the server certificate is refused for a name it does not carry', async () => {
    await expect(exchange(server.port, { caPem: ca.certPem, client, servername: 'other.example.com' })).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('fails without a client certificate', async () => {
    await expect(exchange(server.port, { caPem: ca.certPem })).rejects.toThrow();
  });

  it('fails with a client certificate from another CA', async () => {
    const otherCa = await createCa({ keyType: 'ecdsa' });
    const stranger = await issueClientCert(otherCa, { keyType: 'ecdsa' });
    await expect(exchange(server.port, { caPem: ca.certPem, client: stranger })).rejects.toThrow();
  });

  it('the client refuses a server whose certificate comes from another CA', async () => {
    const otherCa = await createCa({ keyType: 'ecdsa' });
    await expect(exchange(server.port, { caPem: otherCa.certPem, client })).rejects.toMatchObject({ code: expect.stringMatching(/CERT|SIGNATURE/) });
  });
});
