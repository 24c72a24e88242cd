import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createCa, issueClientCert, issueServerCert } from '../../src/tls';
import type { PemPair } from '../../src/tls';

export interface Material {
  ca: PemPair;
  client: PemPair;
  server: PemPair;
}

/** A CA, a client certificate and a server certificate for "dev1" (SANs: localhost, 127.0.0.1, dev1). */
export async function makeMaterial(): Promise<Material> {
  const ca = await createCa({ keyType: 'ecdsa' });
  const [client, server] = await Promise.all([issueClientCert(ca, { keyType: 'ecdsa' }), issueServerCert(ca, { keyType: 'ecdsa', machineName: 'dev1', sans: [] })]);
  return { ca, client, server };
}

export interface Listening {
  port: number;
  close: () => Promise<void>;
}

export type Route = (path: string) => { status: number; body: string; contentType?: string } | 'hang';

export const dockerdRoutes: Route = (path) => {
  if (path === '/_ping') return { status: 200, body: 'OK', contentType: 'text/plain' };
  if (path === '/version') {
    return { status: 200, body: JSON.stringify({ Version: '27.3.1', ApiVersion: '1.47', Os: 'linux', Arch: 'amd64', KernelVersion: '6.1.0-28-amd64' }) };
  }
  return { status: 404, body: '{"message":"page not found"}' };
};

/** dockerd as we configure it: --tlsverify, so a client certificate from our CA is required. */
export async function startFakeDockerd(material: Material, options: { host?: string; port?: number; route?: Route } = {}): Promise<Listening> {
  const route = options.route ?? dockerdRoutes;
  const server = https.createServer(
    { cert: material.server.certPem, key: material.server.keyPem, ca: material.ca.certPem, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const answer = route(req.url ?? '/');
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'Content-Type': answer.contentType ?? 'application/json' });
      res.end(answer.body);
    },
  );
  server.on('tlsClientError', () => undefined);
  return listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
}

/** Accepts TCP connections and never says a word: a firewall that drops, or a wedged daemon. */
export function startSilentServer(): Promise<Listening> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return listen(server, '127.0.0.1', 0, () => sockets.forEach((s) => s.destroy()));
}

/** Speaks plain HTTP, as dockerd does on 2375 without --tlsverify. */
export function startPlainHttpServer(): Promise<Listening> {
  const server = net.createServer((socket) => {
    socket.on('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    socket.on('error', () => undefined);
  });
  return listen(server, '127.0.0.1', 0);
}

/** A port nothing listens on (bound and released at once). */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  const { port } = await listen(probe, '127.0.0.1', 0).then(async (l) => {
    await l.close();
    return l;
  });
  return port;
}

function listen(server: net.Server, host: string, port: number, beforeClose: () => void = () => undefined): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const close = () =>
        new Promise<void>((done) => {
          beforeClose();
          (server as net.Server & { closeAllConnections?: () => void }).closeAllConnections?.();
          server.close(() => done());
        });
      resolve({ port: (server.address() as AddressInfo).port, close });
    });
  });
}
