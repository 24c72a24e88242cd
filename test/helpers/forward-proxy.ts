import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A small real HTTP proxy on 127.0.0.1, speaking the two ways clients use one: an absolute-URI
 * request (`GET http://host:port/path`) that it forwards, and CONNECT host:port that it tunnels
 * (for https). It counts what it was asked, can demand Basic credentials (407 otherwise), and only
 * ever connects to loopback addresses, so a test cannot reach out by mistake.
 */
export interface ProxiedRequest {
  method: string;
  /** The absolute URL forwarded, or host:port for CONNECT. */
  target: string;
  proxyAuthorization?: string;
}

export interface ForwardProxy {
  url: string;
  port: number;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** `user:password` the client must present in Proxy-Authorization. */
  credentials?: string;
}

const HOP_BY_HOP = ['proxy-authorization', 'proxy-connection', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade'];

export async function startForwardProxy(options: ProxyOptions = {}): Promise<ForwardProxy> {
  const requests: ProxiedRequest[] = [];
  const expected = options.credentials ? `Basic ${Buffer.from(options.credentials).toString('base64')}` : undefined;
  const note = (method: string, target: string, headers: http.IncomingHttpHeaders): boolean => {
    requests.push({ method, target, ...(headers['proxy-authorization'] ? { proxyAuthorization: headers['proxy-authorization'] } : {}) });
    return expected === undefined || headers['proxy-authorization'] === expected;
  };

  const server = http.createServer((req, res) => {
    const allowed = note(req.method ?? '', req.url ?? '', req.headers);
    if (!allowed) return void res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      return void res.writeHead(400).end('not an absolute URL: this is a proxy');
    }
    if (target.protocol !== 'http:' || !isLoopback(target.hostname)) return void res.writeHead(403).end('only http to loopback');
    const headers = { ...req.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    const upstream = http.request({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      // An upstream that drops the connection midway is passed on as a drop, not as a clean end.
      answer.on('aborted', () => res.destroy());
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(upstream);
  });

  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? '';
    const allowed = note('CONNECT', target, req.headers);
    if (!allowed) return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
    const match = /^([^:]+):(\d+)$/.exec(target);
    if (!match || !isLoopback(match[1] as string)) return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    const upstream = net.connect(Number(match[2]), match[1] as string, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });

  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise((resolve) => {
        // Tunnels are no longer http connections, so closeAllConnections would miss them.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function isLoopback(host: string): boolean {
  return net.isIPv4(host) && host.startsWith('127.');
}

const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY'];

/**
 * Gives each test of the file an environment without proxy settings (a developer's own proxy must
 * not carry test traffic), and puts the original back afterwards. npm, which runs jest through npx,
 * passes its own proxy settings as npm_config_* variables: those go too.
 */
export function isolateProxyEnvironment(): void {
  let saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    const names = [...PROXY_VARIABLES, ...Object.keys(process.env).filter((name) => /^npm_config_.*proxy$/i.test(name))];
    saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
    for (const name of names) delete process.env[name];
  });
  afterEach(() => {
    for (const name of PROXY_VARIABLES) delete process.env[name];
    for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
  });
}
