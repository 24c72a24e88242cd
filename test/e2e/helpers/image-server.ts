import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export interface ImageServer {
  /** URL of the served image, with SHA256SUMS beside it (as cloud images are published). */
  imageUrl: string;
  /** How many times the image itself (not SHA256SUMS) was requested. */
  imageRequests(): number;
  close(): Promise<void>;
}

/**
 * Serves one disk image over HTTP on 127.0.0.1 with a SHA256SUMS file next to it, so the QEMU driver's
 * real download, checksum and cache code runs in tests. Range requests are honoured.
 */
export async function serveImage(imagePath: string): Promise<ImageServer> {
  const name = path.basename(imagePath);
  const digest = await sha256(imagePath);
  const size = (await fs.stat(imagePath)).size;
  let requests = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/SHA256SUMS') {
      res.end(`${digest} *${name}\n`);
      return;
    }
    if (req.url !== `/${name}`) {
      res.statusCode = 404;
      res.end();
      return;
    }
    requests++;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    res.writeHead(range ? 206 : 200, {
      'content-length': String(size - start),
      ...(range ? { 'content-range': `bytes ${start}-${size - 1}/${size}` } : {}),
    });
    createReadStream(imagePath, { start }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    imageUrl: `http://127.0.0.1:${port}/${name}`,
    imageRequests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
