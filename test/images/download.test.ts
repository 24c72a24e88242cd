import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { downloadToFile, fetchText } from '../../src/images/download';
import { isolateProxyEnvironment } from '../helpers/forward-proxy';
import { type Handler, type LocalServer, sendPartThenDrop, serveWithRange, startLocalServer } from '../helpers/local-http-server';
import { makeTempDir } from '../helpers/tmp-store';

// Real servers on 127.0.0.1, scripted per test; back-offs shortened so retries take milliseconds.
const fast = { retryDelayMs: 20, retryMaxDelayMs: 100 };
const body = randomBytes(256 * 1024 + 13);

isolateProxyEnvironment();

let dir: string;
let part: string;
let server: LocalServer | undefined;
beforeEach(async () => {
  dir = await makeTempDir('download-');
  part = path.join(dir, 'disk.img.part');
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

async function serve(handle: Handler): Promise<LocalServer> {
  server = await startLocalServer(handle);
  return server;
}

const ranges = (s: LocalServer): Array<string | undefined> => s.requests.map((r) => r.headers.range);

describe('downloadToFile', () => {
  it('follows redirects to the file', async () => {
    const s = await serve((req, res) => (req.url === '/old' ? res.writeHead(302, { location: '/new' }).end() : serveWithRange(req, res, body)));
    await downloadToFile(`${s.base}/old`, part, { tuning: fast });
    expect((await fs.readFile(part)).equals(body)).toBe(true);
    expect(s.requests.map((r) => r.url)).toEqual(['/old', '/new']);
  });

  it('gives up on a redirect loop, saying so', async () => {
    const s = await serve((_req, res) => res.writeHead(302, { location: '/again' }).end());
    await expect(downloadToFile(`${s.base}/loop`, part, { tuning: fast })).rejects.toMatchObject({
      code: 'IMAGE_DOWNLOAD',
      message: `could not download ${s.base}/loop: more than 5 redirects`,
    });
  });

  it('retries a server that fails twice (reset, then 503), telling the user, and gets the file', async () => {
    const retries: string[] = [];
    const s = await serve((req, res, index) => {
      if (index === 0) return req.socket.destroy();
      if (index === 1) return res.writeHead(503).end();
      serveWithRange(req, res, body);
    });
    await downloadToFile(`${s.base}/disk.img`, part, { tuning: fast, onRetry: (m) => retries.push(m) });
    expect((await fs.readFile(part)).equals(body)).toBe(true);
    expect(s.requests).toHaveLength(3);
    expect(retries).toEqual([expect.stringMatching(/disk\.img: .*; retry 1 of 5 in \d+ms$/), expect.stringMatching(/disk\.img: HTTP 503 \(Service Unavailable\); retry 2 of 5/)]);
  });

  it('stops after the configured number of retries, naming the URL and the reason', async () => {
    const s = await serve((_req, res) => res.writeHead(429).end());
    await expect(downloadToFile(`${s.base}/disk.img`, part, { tuning: { ...fast, retries: 2 } })).rejects.toMatchObject({
      code: 'IMAGE_DOWNLOAD',
      message: `could not download ${s.base}/disk.img: HTTP 429 (Too Many Requests)`,
    });
    expect(s.requests).toHaveLength(3);
  });

  it('does not retry what will not get better (404)', async () => {
    const s = await serve((_req, res) => res.writeHead(404).end());
    await expect(downloadToFile(`${s.base}/absent.img`, part, { tuning: fast })).rejects.toThrow(`could not download ${s.base}/absent.img: HTTP 404 (Not Found)`);
    expect(s.requests).toHaveLength(1);
  });

  it('resumes with Range after the connection drops midway, keeping the bytes already received', async () => {
    const cut = 100_000;
    const s = await serve((req, res, index) => (index === 0 ? sendPartThenDrop(res, body, cut) : serveWithRange(req, res, body)));
    const seen: number[] = [];
    await downloadToFile(`${s.base}/disk.img`, part, { tuning: fast, onProgress: (received) => seen.push(received) });
    expect((await fs.readFile(part)).equals(body)).toBe(true);
    // The second request asked for the rest: from what reached the disk, which is all that was sent
    // but what got still held in memory when the connection dropped.
    expect(s.requests).toHaveLength(2);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(s.requests[1]?.headers.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(cut);
    // Progress picks up where the part file stood, and ends at the full size.
    expect(seen).toContain(resumedAt);
    expect(seen.at(-1)).toBe(body.length);
  });

  it('continues a part file left by an earlier run', async () => {
    await fs.writeFile(part, body.subarray(0, 5000));
    const s = await serve((req, res) => serveWithRange(req, res, body));
    await downloadToFile(`${s.base}/disk.img`, part, { tuning: fast });
    expect((await fs.readFile(part)).equals(body)).toBe(true);
    expect(ranges(s)).toEqual(['bytes=5000-']);
  });

  it('starts over from zero when the server ignores Range and answers 200', async () => {
    await fs.writeFile(part, Buffer.alloc(5000, 0x58)); // not even a prefix of the body
    const s = await serve((_req, res) => res.writeHead(200, { 'content-length': String(body.length) }).end(body));
    await downloadToFile(`${s.base}/disk.img`, part, { tuning: fast });
    expect((await fs.readFile(part)).equals(body)).toBe(true);
    expect(ranges(s)).toEqual(['bytes=5000-']);
  });

  it('starts over when a 206 answers another range than the one asked', async () => {
    await fs.writeFile(part, body.subarray(0, 5000));
    const s = await serve((req, res) => {
      if (!req.headers.range) return serveWithRange(req, res, body);
      res.writeHead(206, { 'content-range': `bytes 0-${body.length - 1}/${body.length}`, 'content-length': String(body.length) }).end(body);
    });
    await downloadToFile(`${s.base}/disk.img`, part, { tuning: fast });
    expect((await fs.readFile(part)).equals(body)).toBe(true);
    expect(ranges(s)).toEqual(['bytes=5000-', undefined]);
  });

  it('takes a 416 for the whole size as a part file that is already complete', async () => {
    await fs.writeFile(part, body);
    const s = await serve((req, res) => serveWithRange(req, res, body));
    await downloadToFile(`${s.base}/disk.img`, part, { tuning: fast });
    expect((await fs.readFile(part)).equals(body)).toBe(true);
    expect(ranges(s)).toEqual([`bytes=${body.length}-`]);
  });

  it('on a 416 for a longer part file than the server has, starts over', async () => {
    await fs.writeFile(part, Buffer.concat([body, Buffer.from('more')]));
    const s = await serve((req, res) => serveWithRange(req, res, body));
    await downloadToFile(`${s.base}/disk.img`, part, { tuning: fast });
    expect((await fs.readFile(part)).equals(body)).toBe(true);
    expect(ranges(s)).toEqual([`bytes=${body.length + 4}-`, undefined]);
  });

  it('stops at once on abort, keeping the bytes received for the next attempt', async () => {
    let stalled: () => void = () => undefined;
    const sent = new Promise<void>((resolve) => (stalled = resolve));
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(body.length) });
      res.write(body.subarray(0, 50_000), () => stalled()); // and then nothing: a slow mirror
    });
    const interrupt = new AbortController();
    const download = downloadToFile(`${s.base}/disk.img`, part, { tuning: fast, signal: interrupt.signal });
    await sent;
    while ((await fs.stat(part).then((st) => st.size, () => 0)) < 50_000) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    interrupt.abort();
    await expect(download).rejects.toMatchObject({ code: 'INTERRUPTED', message: expect.stringContaining(`the 50000 bytes received stay in ${part}`) });
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await fs.readFile(part)).equals(body.subarray(0, 50_000))).toBe(true);
  });

  it('stops at once on abort during a retry back-off', async () => {
    const s = await serve((_req, res) => res.writeHead(503).end());
    const interrupt = new AbortController();
    const download = downloadToFile(`${s.base}/disk.img`, part, { tuning: { retryDelayMs: 60_000, retryMaxDelayMs: 60_000 }, signal: interrupt.signal, onRetry: () => setTimeout(() => interrupt.abort(), 50) });
    const started = Date.now();
    await expect(download).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(s.requests).toHaveLength(1);
  });

  it('an abort before the start makes no request', async () => {
    const s = await serve((req, res) => serveWithRange(req, res, body));
    await expect(downloadToFile(`${s.base}/disk.img`, part, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(s.requests).toHaveLength(0);
  });

  it('gives up on a server that goes silent, after the idle timeout', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(body.length) });
      res.write(body.subarray(0, 1000));
    });
    await expect(downloadToFile(`${s.base}/disk.img`, part, { tuning: { ...fast, retries: 1, idleTimeoutMs: 200 } })).rejects.toThrow(
      `could not download ${s.base}/disk.img: no data arrived for 0.2s`,
    );
    // Each retry asked for the rest, after the 1000 bytes on disk. The first attempt gained ground,
    // so it did not count against the one retry allowed; the second (the server started over and
    // stalled at the same point) did, and the third failure ended it.
    expect(ranges(s)).toEqual([undefined, 'bytes=1000-', 'bytes=1000-']);
  });

  it('names a refused connection, without retrying it', async () => {
    const s = await serve(() => undefined);
    const url = `${s.base}/disk.img`;
    await s.close();
    server = undefined;
    await expect(downloadToFile(url, part, { tuning: fast })).rejects.toThrow(new RegExp(`could not download ${url}: connect ECONNREFUSED`));
  });
});

describe('fetchText', () => {
  it('returns the body', async () => {
    const s = await serve((_req, res) => res.writeHead(200).end('abc  disk.img\n'));
    expect(await fetchText(`${s.base}/SHA256SUMS`)).toBe('abc  disk.img\n');
  });

  it('resolves undefined on 404, so the caller can say what is missing', async () => {
    const s = await serve((_req, res) => res.writeHead(404).end('no'));
    expect(await fetchText(`${s.base}/SHA256SUMS`)).toBeUndefined();
    expect(s.requests).toHaveLength(1);
  });

  it('retries a 502 and gets the text', async () => {
    const s = await serve((_req, res, index) => (index === 0 ? res.writeHead(502).end() : res.writeHead(200).end('sums')));
    expect(await fetchText(`${s.base}/SHA256SUMS`, undefined, { tuning: fast })).toBe('sums');
    expect(s.requests).toHaveLength(2);
  });

  it('names the URL and the status of any other failure', async () => {
    const s = await serve((_req, res) => res.writeHead(403).end());
    await expect(fetchText(`${s.base}/SHA256SUMS`)).rejects.toMatchObject({ code: 'IMAGE_DOWNLOAD', message: `could not download ${s.base}/SHA256SUMS: HTTP 403 (Forbidden)` });
  });

  it('refuses a body over the limit', async () => {
    const s = await serve((_req, res) => res.writeHead(200).end(Buffer.alloc(2000, 0x61)));
    await expect(fetchText(`${s.base}/SHA256SUMS`, undefined, { limit: 1000 })).rejects.toThrow('larger than 1000 bytes');
  });

  it('hides credentials in the URL it names', async () => {
    const s = await serve((_req, res) => res.writeHead(403).end());
    const url = s.base.replace('http://', 'http://me:hunter2@');
    const error = await fetchText(`${url}/SHA256SUMS`).catch((err: Error) => err);
    expect(String((error as Error).message)).not.toContain('hunter2');
    expect((error as Error).message).toContain('could not download http://***@127.0.0.1');
  });
});
