import { createWriteStream, promises as fs } from 'node:fs';
import { Writable } from 'node:stream';
import { HTTPError, type Response } from 'got';
import { OperationError } from '../core/errors';
import { redactCredentials, redactUrl } from './download-proxy';
import { DEFAULT_TUNING, DownloadAborted, describeFailure, openGet, transfer, type DownloadTuning } from './download-request';

/**
 * Image downloads over http(s): redirects, retries with back-off, timeouts, the proxy from the
 * environment (download-request.ts, download-proxy.ts), and a `.part` file that is resumed with a
 * Range request, by the retries within one call as by the next call after a failure or Ctrl-C.
 */
export type { DownloadTuning } from './download-request';

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Called as bytes arrive; `total` is undefined when the server did not say. */
  onProgress?: (received: number, total: number | undefined) => void;
  /** A line for the user before each retry: what failed and when the next attempt starts. */
  onRetry?: (message: string) => void;
  /** Retries, timeouts and trust; the defaults suit public mirrors. */
  tuning?: Partial<DownloadTuning>;
}

export interface FetchTextOptions {
  /** Refuse a body larger than this many bytes. */
  limit?: number;
  onRetry?: (message: string) => void;
  tuning?: Partial<DownloadTuning>;
}

const DEFAULT_TEXT_LIMIT = 4 * 1024 * 1024;

/** A small text file (SHA256SUMS). Resolves undefined on 404 so the caller can explain what is missing. */
export async function fetchText(url: string, signal?: AbortSignal, options: FetchTextOptions = {}): Promise<string | undefined> {
  const tuning = { ...DEFAULT_TUNING, ...options.tuning };
  const limit = options.limit ?? DEFAULT_TEXT_LIMIT;
  for (let retryCount = 0; ; retryCount++) {
    const chunks: Buffer[] = [];
    const request = openGet(url, { tuning, retryCount, onRetry: retryNotice(url, tuning, options.onRetry), ...(signal ? { signal } : {}) });
    try {
      if ((await transfer(request, signal, () => collect(chunks, limit))) === 'done') return Buffer.concat(chunks).toString('utf8');
    } catch (err) {
      if (err instanceof HTTPError && err.response.statusCode === 404) return undefined;
      if (err instanceof DownloadAborted) throw new OperationError('INTERRUPTED', `fetching ${redactUrl(url)} was interrupted`);
      throw downloadError(url, err);
    }
  }
}

/**
 * Downloads `url` into `partPath`. An existing part file is continued when the server answers the
 * Range request with 206, and started over when it answers 200. Whatever arrived before a failure or
 * an abort stays in the part file, so the next attempt (a retry here, or the next create) resumes;
 * the caller verifies the checksum and deletes the file if it is wrong.
 */
export async function downloadToFile(url: string, partPath: string, options: DownloadOptions = {}): Promise<void> {
  const tuning = { ...DEFAULT_TUNING, ...options.tuning };
  let retryCount = 0;
  let startedOver = false;
  let total: number | undefined;
  let furthest = await sizeOf(partPath);
  for (;;) {
    const existing = await sizeOf(partPath);
    const request = openGet(url, {
      headers: existing > 0 ? { range: `bytes=${existing}-` } : {},
      tuning,
      retryCount,
      onRetry: retryNotice(url, tuning, options.onRetry),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let outcome: 'done' | 'retry';
    try {
      outcome = await transfer(request, options.signal, (response) => {
        const start = startOffset(response, existing);
        total = totalSize(response, start);
        options.onProgress?.(start, total);
        request.on('downloadProgress', ({ transferred }: { transferred: number }) => options.onProgress?.(start + transferred, total));
        return createWriteStream(partPath, { flags: start > 0 ? 'a' : 'w', mode: 0o600 });
      });
    } catch (err) {
      if (err instanceof HTTPError && err.response.statusCode === 416 && completeLength(err.response) === existing && existing > 0) {
        return; // the part file already holds every byte (an earlier run stopped before verifying it)
      }
      if (!startedOver && existing > 0 && (err instanceof StalePart || (err instanceof HTTPError && err.response.statusCode === 416))) {
        // The server does not recognise the part file as a prefix of what it has now: start again.
        startedOver = true;
        await fs.rm(partPath, { force: true });
        continue;
      }
      throw await fileError(url, partPath, err);
    }
    if (outcome === 'done') break;
    // An attempt that took the file further than ever before starts the count again: the limit is on
    // failures in a row without headway, and a download that keeps gaining ground ends by itself
    // (a server that starts over from zero each time gains none).
    const reached = await sizeOf(partPath);
    retryCount = reached > furthest ? 0 : retryCount + 1;
    furthest = Math.max(furthest, reached);
  }
  const size = await sizeOf(partPath);
  if (total !== undefined && size !== total) {
    throw downloadError(url, new Error(`the server sent ${size} of ${total} bytes`));
  }
}

/** A 206 for another range than the one asked: the part file cannot be continued. */
class StalePart extends Error {}

function startOffset(response: Response, existing: number): number {
  if (response.statusCode !== 206) return 0;
  const match = /^bytes (\d+)-/.exec(response.headers['content-range'] ?? '');
  if (!match || Number(match[1]) !== existing) throw new StalePart(`asked for bytes from ${existing}, got ${response.headers['content-range'] ?? 'no Content-Range'}`);
  return existing;
}

function totalSize(response: Response, start: number): number | undefined {
  const complete = completeLength(response);
  if (complete !== undefined) return complete;
  const length = Number(response.headers['content-length']);
  return response.headers['content-length'] !== undefined && Number.isFinite(length) ? start + length : undefined;
}

/** The full size after the slash of Content-Range ("bytes 0-99/1234"; a 416 puts a star before it). */
function completeLength(response: Response): number | undefined {
  const match = /\/(\d+)$/.exec(response.headers['content-range'] ?? '');
  return match ? Number(match[1]) : undefined;
}

function sizeOf(file: string): Promise<number> {
  return fs.stat(file).then(
    (s) => s.size,
    () => 0,
  );
}

/** Keeps a small body in memory, refusing more than `limit` bytes. */
function collect(chunks: Buffer[], limit: number): Writable {
  let size = 0;
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limit) return done(new Error(`larger than ${limit} bytes`));
      chunks.push(chunk);
      done();
    },
  });
}

function retryNotice(url: string, tuning: DownloadTuning, onRetry: ((message: string) => void) | undefined) {
  return (reason: string, delayMs: number, attempt: number): void =>
    onRetry?.(`${redactUrl(url)}: ${reason}; retry ${attempt} of ${tuning.retries} in ${formatDelay(delayMs)}`);
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
}

async function fileError(url: string, partPath: string, err: unknown): Promise<OperationError> {
  if (err instanceof DownloadAborted) {
    const kept = await sizeOf(partPath);
    return new OperationError('INTERRUPTED', `the download of ${redactUrl(url)} was interrupted${kept > 0 ? `; the ${kept} bytes received stay in ${partPath}, and the next create resumes from there` : ''}`);
  }
  if ((err as NodeJS.ErrnoException).code === 'ENOSPC') {
    await fs.rm(partPath, { force: true });
    return new OperationError('IMAGE_DISK_FULL', `no space left while downloading ${redactUrl(url)} to ${partPath}`, ['free some disk space, or point MACHINE_STORAGE_PATH at a larger disk'], err);
  }
  return downloadError(url, err);
}

function downloadError(url: string, err: unknown): OperationError {
  return new OperationError(
    'IMAGE_DOWNLOAD',
    `could not download ${redactUrl(url)}: ${describeFailure(err)}`,
    ['check the URL, your network connection and HTTPS_PROXY/NO_PROXY, then run create again (a partial download resumes)'],
    safeCause(err),
  );
}

/** The cause is printed too ("Caused by: ..."): never let it carry a proxy's password. */
function safeCause(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const clean = redactCredentials(err.message);
  return clean === err.message ? err : new Error(clean);
}
