import { createWriteStream, promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { OperationError } from '../../src/core/errors';

/**
 * Plain http(s) downloads with node's own client: redirects, resuming a `.part` file with a Range
 * request when the server allows it (restarting from zero when it does not), and progress.
 */
const MAX_REDIRECTS = 5;
const IDLE_TIMEOUT_MS = 60_000;

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Called as bytes arrive; `total` is undefined when the server did not say. */
  onProgress?: (received: number, total: number | undefined) => void;
}

function get(url: string, headers: Record<string, string>, signal: AbortSignal | undefined): Promise<http.IncomingMessage> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, { headers, ...(signal ? { signal } : {}) }, resolve);
    request.setTimeout(IDLE_TIMEOUT_MS, () => request.destroy(new Error(`no data from ${url} for ${IDLE_TIMEOUT_MS / 1000}s`)));
    request.on('error', reject);
  });
}

/** GETs `url`, following redirects; the caller consumes or discards the response. */
async function follow(url: string, headers: Record<string, string>, signal: AbortSignal | undefined): Promise<{ response: http.IncomingMessage; url: string }> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await get(current, headers, signal);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      current = new URL(response.headers.location, current).toString();
      continue;
    }
    return { response, url: current };
  }
  throw new OperationError('QEMU_IMAGE_DOWNLOAD', `too many redirects fetching ${url}`);
}

function downloadError(url: string, reason: string, cause?: unknown): OperationError {
  return new OperationError('QEMU_IMAGE_DOWNLOAD', `could not download ${url}: ${reason}`, ['check the URL and your network connection, then run create again (a partial download resumes)'], cause);
}

/** A small text file (SHA256SUMS). Resolves undefined on 404 so the caller can explain what is missing. */
export async function fetchText(url: string, signal?: AbortSignal, limit = 4 * 1024 * 1024): Promise<string | undefined> {
  let response: http.IncomingMessage;
  try {
    ({ response } = await follow(url, {}, signal));
  } catch (err) {
    throw downloadError(url, (err as Error).message, err);
  }
  const status = response.statusCode ?? 0;
  if (status === 404) {
    response.resume();
    return undefined;
  }
  if (status !== 200) {
    response.resume();
    throw downloadError(url, `HTTP ${status}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    size += (chunk as Buffer).length;
    if (size > limit) throw downloadError(url, `larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Downloads `url` into `partPath`. An existing part file is continued when the server answers the
 * Range request with 206, and started over otherwise. On a network failure the part file stays, so
 * the next attempt resumes; the caller verifies the checksum and deletes the file if it is wrong.
 */
export async function downloadToFile(url: string, partPath: string, options: DownloadOptions = {}): Promise<void> {
  const existing = await fs.stat(partPath).then((s) => s.size, () => 0);
  let response: http.IncomingMessage;
  try {
    ({ response } = await follow(url, existing > 0 ? { Range: `bytes=${existing}-` } : {}, options.signal));
  } catch (err) {
    throw downloadError(url, (err as Error).message, err);
  }
  const status = response.statusCode ?? 0;
  const resuming = status === 206 && rangeStart(response.headers['content-range']) === existing;
  if (status !== 200 && !resuming) {
    response.resume();
    // 416: the part file is not a prefix the server recognises; start again from nothing.
    if (status === 416 || status === 206) {
      await fs.rm(partPath, { force: true });
      return downloadToFile(url, partPath, options);
    }
    throw downloadError(url, `HTTP ${status}`);
  }

  const length = Number(response.headers['content-length']);
  const total = Number.isFinite(length) ? length + (resuming ? existing : 0) : undefined;
  let received = resuming ? existing : 0;
  const out = createWriteStream(partPath, { flags: resuming ? 'a' : 'w', mode: 0o600 });
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => {
        response.destroy();
        out.destroy();
        reject(err);
      };
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        options.onProgress?.(received, total);
      });
      response.on('error', fail);
      response.on('aborted', () => fail(new Error('the connection closed before the download finished')));
      out.on('error', fail);
      out.on('finish', resolve);
      response.pipe(out);
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') {
      await fs.rm(partPath, { force: true });
      throw new OperationError('QEMU_DISK_FULL', `no space left while downloading ${url} to ${partPath}`, ['free some disk space, or point MACHINE_STORAGE_PATH at a larger disk'], err);
    }
    throw downloadError(url, (err as Error).message, err);
  }
  if (total !== undefined && received !== total) {
    throw downloadError(url, `the connection closed after ${received} of ${total} bytes`);
  }
}

function rangeStart(header: string | undefined): number | undefined {
  const match = header ? /^bytes (\d+)-/.exec(header) : null;
  return match ? Number(match[1]) : undefined;
}
