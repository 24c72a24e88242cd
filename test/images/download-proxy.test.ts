import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { downloadToFile, fetchText } from '../../src/images/download';
import { proxyFor, redactCredentials, redactUrl } from '../../src/images/download-proxy';
import { createCa, issueServerCert } from '../../src/tls';
import { type ForwardProxy, isolateProxyEnvironment, startForwardProxy } from '../helpers/forward-proxy';
import { type LocalServer, serveWithRange, startLocalServer } from '../helpers/local-http-server';
import { makeTempDir } from '../helpers/tmp-store';

// Downloads through a real forward proxy on 127.0.0.1 (plain forwarding for http://, CONNECT for
// https://), chosen from the environment the way corporate users set it.
const body = randomBytes(200_000);
const fast = { retryDelayMs: 20, retryMaxDelayMs: 100 };

isolateProxyEnvironment();

let dir: string;
let part: string;
const closers: Array<() => Promise<void>> = [];
beforeEach(async () => {
  dir = await makeTempDir('download-proxy-');
  part = path.join(dir, 'disk.img.part');
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function mirror(host = '127.0.0.1', tls?: { certPem: string; keyPem: string }): Promise<LocalServer> {
  const server = await startLocalServer((req, res) => serveWithRange(req, res, body), { host, ...(tls ? { tls } : {}) });
  closers.push(() => server.close());
  return server;
}

async function proxy(credentials?: string): Promise<ForwardProxy> {
  const started = await startForwardProxy(credentials ? { credentials } : {});
  closers.push(() => started.close());
  return started;
}

describe('downloads through HTTP_PROXY / HTTPS_PROXY', () => {
  it('sends an http:// download to HTTP_PROXY as a forwarded absolute-URI request', async () => {
    const server = await mirror();
    const through = await proxy();
    process.env.HTTP_PROXY = through.url;
    await downloadToFile(`${server.base}/disk.img`, part, { tuning: fast });
    expect((await fs.readFile(part)).equals(body)).toBe(true);
    expect(through.requests).toEqual([{ method: 'GET', target: `${server.base}/disk.img` }]);
    expect(server.requests).toHaveLength(1);
  });

  it('reads the lower-case http_proxy too', async () => {
    const server = await mirror();
    const through = await proxy();
    process.env.http_proxy = through.url;
    expect(await fetchText(`${server.base}/SHA256SUMS`)).toBe(body.toString('utf8'));
    expect(through.requests).toHaveLength(1);
  });

  it('bypasses the proxy for a host in NO_PROXY', async () => {
    const server = await mirror();
    const through = await proxy();
    process.env.HTTP_PROXY = through.url;
    process.env.NO_PROXY = 'localhost,127.0.0.1';
    await downloadToFile(`${server.base}/disk.img`, part, { tuning: fast });
    expect((await fs.readFile(part)).equals(body)).toBe(true);
    expect(through.requests).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('judges each redirect hop on its own host', async () => {
    const target = await mirror('127.0.0.2');
    const redirector = await startLocalServer((_req, res) => res.writeHead(302, { location: `${target.base}/disk.img` }).end());
    closers.push(() => redirector.close());
    const through = await proxy();
    process.env.HTTP_PROXY = through.url;
    process.env.no_proxy = '127.0.0.2';
    await downloadToFile(`${redirector.base}/old.img`, part, { tuning: fast });
    expect((await fs.readFile(part)).equals(body)).toBe(true);
    // The first hop went through the proxy, the second (in no_proxy) straight to the mirror.
    expect(through.requests.map((r) => r.target)).toEqual([`${redirector.base}/old.img`]);
    expect(target.requests).toHaveLength(1);
  });

  it('tunnels an https:// download through HTTPS_PROXY with CONNECT', async () => {
    const ca = await createCa({ keyType: 'ecdsa' });
    const cert = await issueServerCert(ca, { keyType: 'ecdsa', machineName: 'mirror', sans: ['127.0.0.1'] });
    const server = await mirror('127.0.0.1', cert);
    const through = await proxy();
    process.env.HTTPS_PROXY = through.url.replace('http://', ''); // bare host:port, as often written
    process.env.HTTP_PROXY = 'http://127.0.0.1:9'; // must not be used for https
    await downloadToFile(`${server.base}/disk.img`, part, { tuning: { ...fast, certificateAuthority: ca.certPem } });
    expect((await fs.readFile(part)).equals(body)).toBe(true);
    expect(through.requests).toEqual([{ method: 'CONNECT', target: server.base.replace('https://', '') }]);
    expect(server.requests).toHaveLength(1);
  });

  it('resumes through the proxy after a drop, with Range', async () => {
    let first = true;
    const server = await startLocalServer((req, res) => {
      if (!first) return serveWithRange(req, res, body);
      first = false;
      res.writeHead(200, { 'content-length': String(body.length) });
      res.write(body.subarray(0, 80_000), () => res.destroy());
    });
    closers.push(() => server.close());
    const through = await proxy();
    process.env.HTTP_PROXY = through.url;
    await downloadToFile(`${server.base}/disk.img`, part, { tuning: fast });
    expect((await fs.readFile(part)).equals(body)).toBe(true);
    expect(through.requests).toHaveLength(2);
    expect(server.requests[1]?.headers.range).toMatch(/^bytes=[1-9]\d*-$/);
  });
});

describe('proxy credentials', () => {
  it('presents the user and password of the proxy URL, for http and for CONNECT', async () => {
    const server = await mirror();
    const through = await proxy('build:s3cr=t');
    process.env.HTTP_PROXY = `http://build:s3cr%3Dt@127.0.0.1:${through.port}`;
    await downloadToFile(`${server.base}/disk.img`, part, { tuning: fast });
    expect((await fs.readFile(part)).equals(body)).toBe(true);

    const ca = await createCa({ keyType: 'ecdsa' });
    const secure = await mirror('127.0.0.1', await issueServerCert(ca, { keyType: 'ecdsa', machineName: 'mirror', sans: ['127.0.0.1'] }));
    process.env.HTTPS_PROXY = process.env.HTTP_PROXY;
    expect(await fetchText(`${secure.base}/SHA256SUMS`, undefined, { tuning: { ...fast, certificateAuthority: ca.certPem } })).toBe(body.toString('utf8'));
    const expected = `Basic ${Buffer.from('build:s3cr=t').toString('base64')}`;
    expect(through.requests.map((r) => [r.method, r.proxyAuthorization])).toEqual([
      ['GET', expected],
      ['CONNECT', expected],
    ]);
  });

  it('never prints them: a proxy that refuses the credentials', async () => {
    const server = await mirror();
    const through = await proxy('build:right');
    process.env.HTTP_PROXY = `http://build:wrong-secret@127.0.0.1:${through.port}`;
    const error = (await downloadToFile(`${server.base}/disk.img`, part, { tuning: fast }).catch((err: Error) => err)) as Error;
    expect(error.message).toBe(`could not download ${server.base}/disk.img: HTTP 407 (Proxy Authentication Required)`);
    expect(JSON.stringify({ message: error.message, cause: String((error.cause as Error | undefined)?.message) })).not.toContain('wrong-secret');
  });

  it('never prints them: a proxy that is not there', async () => {
    const server = await mirror();
    const gone = await startForwardProxy();
    await gone.close();
    process.env.HTTPS_PROXY = `http://build:wrong-secret@127.0.0.1:${gone.port}`;
    process.env.HTTP_PROXY = process.env.HTTPS_PROXY;
    const error = (await downloadToFile(`${server.base}/disk.img`, part, { tuning: fast }).catch((err: Error) => err)) as Error;
    expect(error.message).toContain(`(through the proxy http://***@127.0.0.1:${gone.port}/)`);
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(`${error.message} ${String((error.cause as Error | undefined)?.message)}`).not.toContain('wrong-secret');
  });
});

describe('proxyFor', () => {
  it('takes https_proxy for https, http_proxy for http, all_proxy for either, lower case first', () => {
    process.env.HTTPS_PROXY = 'http://upper:1';
    process.env.https_proxy = 'http://lower:2';
    process.env.HTTP_PROXY = 'http://plain:3';
    expect(proxyFor('https://mirror.example/disk.img')).toBe('http://lower:2');
    expect(proxyFor('http://mirror.example/disk.img')).toBe('http://plain:3');
    delete process.env.HTTP_PROXY;
    process.env.ALL_PROXY = 'http://all:4';
    expect(proxyFor('http://mirror.example/disk.img')).toBe('http://all:4');
  });

  it('reads a bare host:port as a plain-HTTP proxy, and keeps an explicit https:// one', () => {
    process.env.HTTPS_PROXY = 'proxy.corp:3128';
    expect(proxyFor('https://mirror.example/disk.img')).toBe('http://proxy.corp:3128');
    process.env.HTTPS_PROXY = 'https://proxy.corp:3129';
    expect(proxyFor('https://mirror.example/disk.img')).toBe('https://proxy.corp:3129');
  });

  it('matches NO_PROXY by host, domain suffix, port and *', () => {
    process.env.HTTPS_PROXY = 'http://proxy:3128';
    expect(proxyFor('https://mirror.example/disk.img')).toBe('http://proxy:3128');
    process.env.NO_PROXY = '.example';
    expect(proxyFor('https://mirror.example/disk.img')).toBeUndefined();
    expect(proxyFor('https://mirror.example.org/disk.img')).toBe('http://proxy:3128');
    process.env.NO_PROXY = 'mirror.example:8443';
    expect(proxyFor('https://mirror.example/disk.img')).toBe('http://proxy:3128');
    expect(proxyFor('https://mirror.example:8443/disk.img')).toBeUndefined();
    process.env.no_proxy = '*';
    expect(proxyFor('https://anything.example/disk.img')).toBeUndefined();
  });

  it('is undefined with no proxy set', () => {
    expect(proxyFor('https://mirror.example/disk.img')).toBeUndefined();
  });
});

describe('redaction', () => {
  it('hides user and password in a URL and in free text', () => {
    expect(redactUrl('http://build:s3cret@proxy.corp:3128')).toBe('http://***@proxy.corp:3128/');
    expect(redactUrl('http://proxy.corp:3128')).toBe('http://proxy.corp:3128');
    expect(redactCredentials('via http://build:s3cret@proxy.corp:3128 failed')).toBe('via http://***@proxy.corp:3128 failed');
  });
});
