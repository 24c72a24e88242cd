import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP(S) server on a loopback address for download tests. Each test scripts its answers in
 * `handle`; the server notes every request (method, path, headers) so a test can check what was
 * asked, and in which order.
 */
export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface LocalServer {
  /** http://127.0.0.1:PORT (or https://, or another loopback address) without a trailing slash. */
  base: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, index: number) => void;

export interface ServerOptions {
  /** A loopback address; 127.0.0.1 by default. */
  host?: string;
  /** Serve https with this certificate. */
  tls?: { certPem: string; keyPem: string };
}

export async function startLocalServer(handle: Handler, options: ServerOptions = {}): Promise<LocalServer> {
  const requests: SeenRequest[] = [];
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handle(req, res, requests.length - 1);
  };
  const server = options.tls ? https.createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, listener) : http.createServer(listener);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves `body` honouring `Range: bytes=N-` with a 206, as a mirror does. */
export function serveWithRange(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  if (start >= body.length && start > 0) {
    res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    return;
  }
  res.writeHead(start > 0 ? 206 : 200, {
    'content-length': String(body.length - start),
    ...(start > 0 ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
  });
  res.end(body.subarray(start));
}

/** Sends the headers for all of `body` and its first `bytes`, then drops the connection. */
export function sendPartThenDrop(res: http.ServerResponse, body: Buffer, bytes: number, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(200, { 'content-length': String(body.length), ...headers });
  res.write(body.subarray(0, bytes), () => res.destroy());
}
