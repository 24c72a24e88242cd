import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ImageCache, cachedImagePath, imageCacheDir } from '../../src/images/image-cache';
import { isolateProxyEnvironment } from '../helpers/forward-proxy';

/** The cache names the driver's flags in its messages; these tests speak as the QEMU driver. */
const QEMU_FLAGS = { image: '--qemu-image', sha256: '--qemu-image-sha256' };

const image = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
image.write('QFI\xfb fake qcow2 header', 0, 'latin1');
const digest = createHash('sha256').update(image).digest('hex');

interface ServerControl {
  base: string;
  requests: Array<{ url: string; range?: string }>;
  /** Bytes to send before dropping the connection (once), to simulate an interruption. */
  cutAfter?: number;
  /** Bytes to send before going silent (once); `stalled` resolves when they are written. */
  stallAfter?: number;
  stalled: Promise<void>;
  sums: string | undefined;
  rangeSupport: boolean;
  close(): Promise<void>;
}

async function startServer(): Promise<ServerControl> {
  const control = {} as ServerControl;
  control.requests = [];
  control.sums = `${'0'.repeat(64)}  other.img\n${digest} *disk.img\n`;
  control.rangeSupport = true;
  let markStalled: () => void = () => undefined;
  control.stalled = new Promise((resolve) => (markStalled = resolve));
  const server = http.createServer((req, res) => {
    control.requests.push({ url: req.url ?? '', ...(req.headers.range ? { range: req.headers.range } : {}) });
    if (req.url === '/moved/disk.img') {
      res.writeHead(302, { location: '/img/disk.img' }).end();
    } else if (req.url === '/img/SHA256SUMS' || req.url === '/moved/SHA256SUMS') {
      if (control.sums === undefined) res.writeHead(404).end();
      else res.writeHead(200).end(control.sums);
    } else if (req.url === '/img/disk.img') {
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = range && control.rangeSupport ? Number(range[1]) : 0;
      const body = image.subarray(start);
      res.writeHead(start > 0 ? 206 : 200, {
        'content-length': String(body.length),
        ...(start > 0 ? { 'content-range': `bytes ${start}-${image.length - 1}/${image.length}` } : {}),
      });
      if (control.stallAfter !== undefined) {
        const stall = control.stallAfter;
        delete control.stallAfter;
        res.write(body.subarray(0, stall), () => markStalled());
      } else if (control.cutAfter !== undefined) {
        const cut = control.cutAfter;
        delete control.cutAfter;
        res.write(body.subarray(0, cut), () => res.destroy());
      } else {
        res.end(body);
      }
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  control.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  control.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return control;
}

// Downloads honour HTTP_PROXY: a proxy in the developer's environment must not carry these.
isolateProxyEnvironment();

let store: string;
let server: ServerControl;
beforeEach(async () => {
  store = await fs.mkdtemp(path.join(os.tmpdir(), 'qemu-cache-'));
  server = await startServer();
});
afterEach(async () => {
  await server.close();
  await fs.rm(store, { recursive: true, force: true });
});

const imageRequests = (): number => server.requests.filter((r) => r.url.endsWith('disk.img')).length;
const cacheEntries = async (): Promise<string[]> => (await fs.readdir(imageCacheDir(store))).filter((f) => f !== 'index.json').sort();

describe('ImageCache with a URL', () => {
  it('downloads, verifies against SHA256SUMS and stores the image by digest, read-only', async () => {
    const progress: string[] = [];
    const resolved = await new ImageCache(store, QEMU_FLAGS).resolve(`${server.base}/img/disk.img`, { progress: (m) => progress.push(m) });
    expect(resolved).toEqual({ path: cachedImagePath(store, digest), sha256: digest });
    expect((await fs.readFile(resolved.path)).equals(image)).toBe(true);
    expect((await fs.stat(resolved.path)).mode & 0o222).toBe(0);
    expect(await cacheEntries()).toEqual([`${digest}.qcow2`]);
    expect(progress.join('\n')).toMatch(/downloading .*disk\.img/);
  });

  it('on a terminal draws the progress bar there, and keeps the phase lines for the rest', async () => {
    const progress: string[] = [];
    let screen = '';
    const terminal = { isTTY: true, columns: 100, write: (text: string) => (screen += text) };
    await new ImageCache(store, QEMU_FLAGS).resolve(`${server.base}/img/disk.img`, { progress: (m) => progress.push(m), terminal });
    expect(progress).toEqual([`downloading ${server.base}/img/disk.img`, 'verifying the image checksum']);
    expect(screen).toMatch(/\r {2}disk\.img {2}100% \[#{30}\] {2}3\.00 MiB \/ 3\.00 MiB.*\n$/);
  });

  it('off a terminal reports the download in plain lines', async () => {
    const progress: string[] = [];
    let screen = '';
    const terminal = { isTTY: false, write: (text: string) => (screen += text) };
    await new ImageCache(store, QEMU_FLAGS).resolve(`${server.base}/img/disk.img`, { progress: (m) => progress.push(m), terminal });
    expect(progress).toContain('disk.img: 3 MiB of 3 MiB (100%)');
    expect(screen).toBe('');
  });

  it('follows redirects', async () => {
    expect((await new ImageCache(store, QEMU_FLAGS).resolve(`${server.base}/moved/disk.img`)).sha256).toBe(digest);
  });

  it('downloads nothing the second time', async () => {
    const cache = new ImageCache(store, QEMU_FLAGS);
    await cache.resolve(`${server.base}/img/disk.img`);
    await cache.resolve(`${server.base}/img/disk.img`);
    expect(imageRequests()).toBe(1);
  });

  it('uses the cached image when SHA256SUMS is unreachable later', async () => {
    await new ImageCache(store, QEMU_FLAGS).resolve(`${server.base}/img/disk.img`);
    server.sums = undefined;
    await server.close();
    expect((await new ImageCache(store, QEMU_FLAGS).resolve(`${server.base}/img/disk.img`)).sha256).toBe(digest);
  });

  it('on a checksum mismatch deletes the download and leaves nothing', async () => {
    const wrong = 'f'.repeat(64);
    await expect(new ImageCache(store, QEMU_FLAGS).resolve(`${server.base}/img/disk.img`, { expectedSha256: wrong })).rejects.toMatchObject({
      code: 'IMAGE_CHECKSUM',
      message: expect.stringContaining(`expected sha256 ${wrong}, got ${digest}`),
    });
    expect(await cacheEntries()).toEqual([]);
  });

  it('refuses an image it cannot verify, naming --qemu-image-sha256', async () => {
    server.sums = undefined;
    await expect(new ImageCache(store, QEMU_FLAGS).resolve(`${server.base}/img/disk.img`)).rejects.toThrow(/--qemu-image-sha256|SHA256SUMS does not exist/);
    server.sums = 'nothing here\n';
    await expect(new ImageCache(store, QEMU_FLAGS).resolve(`${server.base}/img/disk.img`)).rejects.toThrow(/does not list it/);
    expect(imageRequests()).toBe(0);
  });

  it('uses --qemu-image-sha256 without SHA256SUMS', async () => {
    server.sums = undefined;
    expect((await new ImageCache(store, QEMU_FLAGS).resolve(`${server.base}/img/disk.img`, { expectedSha256: digest })).sha256).toBe(digest);
  });

  it('reports HTTP errors clearly', async () => {
    await expect(new ImageCache(store, QEMU_FLAGS).resolve(`${server.base}/img/absent.img`, { expectedSha256: digest })).rejects.toMatchObject({
      code: 'IMAGE_DOWNLOAD',
      message: expect.stringContaining('HTTP 404'),
    });
  });

  it('resumes a download whose connection dropped midway, within the same create', async () => {
    server.cutAfter = 1024 * 1024;
    const progress: string[] = [];
    const resolved = await new ImageCache(store, QEMU_FLAGS).resolve(`${server.base}/img/disk.img`, { progress: (m) => progress.push(m) });
    expect((await fs.readFile(resolved.path)).equals(image)).toBe(true);
    const asked = server.requests.filter((r) => r.url.endsWith('disk.img'));
    expect(asked).toHaveLength(2);
    expect(asked[0]?.range).toBeUndefined();
    // From what reached the disk: at most the 1 MiB sent before the drop.
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(asked[1]?.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(1024 * 1024);
    expect(progress.join('\n')).toMatch(/disk\.img: .*retry 1 of 5/);
    expect(await cacheEntries()).toEqual([`${digest}.qcow2`]);
  });

  it('keeps the part file when create is interrupted, and the next create resumes it', async () => {
    server.stallAfter = 1024 * 1024;
    const url = `${server.base}/img/disk.img`;
    const interrupt = new AbortController();
    const first = new ImageCache(store, QEMU_FLAGS).resolve(url, { signal: interrupt.signal });
    await server.stalled;
    const partPath = path.join(imageCacheDir(store), `${digest}.part`);
    while ((await fs.stat(partPath).then((s) => s.size, () => 0)) < 1024 * 1024) await new Promise((r) => setTimeout(r, 10));
    interrupt.abort();
    await expect(first).rejects.toMatchObject({ code: 'INTERRUPTED', message: expect.stringContaining('1048576 bytes received') });
    expect(await cacheEntries()).toEqual([`${digest}.part`]);

    const resolved = await new ImageCache(store, QEMU_FLAGS).resolve(url);
    expect((await fs.readFile(resolved.path)).equals(image)).toBe(true);
    expect(server.requests.filter((r) => r.url.endsWith('disk.img')).at(-1)?.range).toBe('bytes=1048576-');
    expect(await cacheEntries()).toEqual([`${digest}.qcow2`]);
  });

  it('restarts from zero when the server ignores Range', async () => {
    server.cutAfter = 1024 * 1024;
    server.rangeSupport = false;
    const resolved = await new ImageCache(store, QEMU_FLAGS).resolve(`${server.base}/img/disk.img`);
    expect((await fs.readFile(resolved.path)).equals(image)).toBe(true);
    const asked = server.requests.filter((r) => r.url.endsWith('disk.img'));
    expect(asked).toHaveLength(2);
    expect(asked[1]?.range).toMatch(/^bytes=[1-9]\d*-$/); // asked to resume, answered with everything
    expect(await cacheEntries()).toEqual([`${digest}.qcow2`]);
  });
});

describe('ImageCache with a local file', () => {
  it('hashes and copies it in once, and checks --qemu-image-sha256', async () => {
    const file = path.join(store, 'my.qcow2');
    await fs.writeFile(file, image);
    const cache = new ImageCache(store, QEMU_FLAGS);
    const first = await cache.resolve(file);
    expect(first).toEqual({ path: cachedImagePath(store, digest), sha256: digest });
    const progress: string[] = [];
    await cache.resolve(file, { progress: (m) => progress.push(m) });
    expect(progress).toEqual([]); // same size and mtime: neither hashed nor copied again
    await expect(cache.resolve(file, { expectedSha256: 'e'.repeat(64) })).rejects.toMatchObject({ code: 'IMAGE_CHECKSUM' });
    await expect(cache.resolve(path.join(store, 'absent.qcow2'))).rejects.toThrow(/does not exist/);
  });
});
