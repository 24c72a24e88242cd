import got, { HTTPError, MaxRedirectsError, ReadError, TimeoutError, type RequestError, type Response } from 'got';
import type { Writable } from 'node:stream';
import { proxyAgentsFor, proxyFor, redactCredentials, redactUrl } from './download-proxy';

/**
 * One GET as a got stream, configured the same way for every download: redirects, timeouts, the
 * proxy from the environment, and got's retry decision (which failures, how long to wait).
 *
 * got 11 does not re-issue a stream by itself: after the back-off it emits `retry` and leaves the new
 * request to the caller. That is what a resumable download wants: the next attempt asks for the bytes
 * after those already on disk, not for the whole file again.
 */

/** got 11 exports its stream class only as the default of an internal module; this names it. */
export type Request = ReturnType<typeof got.stream>;

export interface DownloadTuning {
  /** Retries in a row without headway (see downloadToFile), or in all for a small file. */
  retries: number;
  /** First back-off; it doubles on each retry, up to `retryMaxDelayMs`. */
  retryDelayMs: number;
  retryMaxDelayMs: number;
  /** DNS lookup, TCP connect and TLS handshake, each. */
  connectTimeoutMs: number;
  /** From sending the request to the response headers (through any proxy). */
  responseTimeoutMs: number;
  /** Longest silence while the body arrives. */
  idleTimeoutMs: number;
  /** Trust this CA certificate (PEM) instead of the system's, as for a mirror with a private CA. */
  certificateAuthority?: string;
}

export const DEFAULT_TUNING: DownloadTuning = {
  retries: 5,
  retryDelayMs: 1_000,
  retryMaxDelayMs: 30_000,
  connectTimeoutMs: 30_000,
  responseTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
};

const MAX_REDIRECTS = 5;
/** Transient by nature: timeouts, overload, rate limits, gateways that lost their upstream. */
const RETRY_STATUS_CODES = [408, 429, 500, 502, 503, 504, 521, 522, 524];
/**
 * Network failures worth another try. Not a host name that does not resolve, nor a refused
 * connection (as curl judges it: nothing listens there, or the proxy is down, and waiting rarely helps).
 */
const RETRY_ERROR_CODES = ['ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'ENETUNREACH', 'EHOSTUNREACH', 'EAI_AGAIN'];
/** A server asking to wait longer than this (Retry-After) gets an error instead of a hung create. */
const MAX_RETRY_AFTER_MS = 120_000;

export interface GetOptions {
  headers?: Record<string, string>;
  tuning: DownloadTuning;
  /** Failures already retried; got stops retrying when this reaches `tuning.retries`. */
  retryCount: number;
  /** Told before each back-off, with why and how long. */
  onRetry?: (reason: string, delayMs: number, attempt: number) => void;
  /** No retry is scheduled once this fires (see calculateDelay). */
  signal?: AbortSignal;
}

export function openGet(url: string, options: GetOptions): Request {
  const { tuning } = options;
  const request = got.stream(url, {
    headers: options.headers ?? {},
    // The bytes on disk must be the bytes the checksum and the Range offsets speak of.
    decompress: false,
    followRedirect: true,
    maxRedirects: MAX_REDIRECTS,
    timeout: {
      lookup: tuning.connectTimeoutMs,
      connect: tuning.connectTimeoutMs,
      secureConnect: tuning.connectTimeoutMs,
      response: tuning.responseTimeoutMs,
      socket: tuning.idleTimeoutMs,
    },
    retry: {
      limit: tuning.retries,
      methods: ['GET'],
      statusCodes: RETRY_STATUS_CODES,
      errorCodes: RETRY_ERROR_CODES,
      maxRetryAfter: MAX_RETRY_AFTER_MS,
      // got's own computation (computedValue) decides whether to retry at all and honours
      // Retry-After; only the back-off for the other cases is ours.
      calculateDelay: ({ attemptCount, computedValue, retryAfter, error }) => {
        // got decides on a retry asynchronously after the failure; if the user interrupted in
        // between, a back-off timer scheduled now would outlive the request and hold the process.
        if (computedValue === 0 || options.signal?.aborted) return 0;
        const delay = retryAfter ?? backoff(attemptCount, tuning);
        options.onRetry?.(describeFailure(error), delay, attemptCount);
        return options.signal?.aborted ? 0 : delay;
      },
    },
    ...(tuning.certificateAuthority ? { https: { certificateAuthority: tuning.certificateAuthority } } : {}),
    hooks: {
      // Before every request, redirects included: the proxy depends on the host asked.
      beforeRequest: [
        (normalized) => {
          normalized.agent = proxyAgentsFor(normalized.url.toString()) ?? {};
        },
      ],
    },
  });
  request.retryCount = options.retryCount;
  return request;
}

/** Exponential back-off with a little jitter, so many clients of one mirror do not retry in step. */
export function backoff(attempt: number, tuning: Pick<DownloadTuning, 'retryDelayMs' | 'retryMaxDelayMs'>): number {
  const base = Math.min(tuning.retryDelayMs * 2 ** (attempt - 1), tuning.retryMaxDelayMs);
  return Math.round(base * (1 + Math.random() * 0.1));
}

/**
 * Pipes one attempt's body into the writable that `openSink` makes once the response headers are in
 * (so it can choose, say, to append or to start over). Resolves 'done' when the sink has everything,
 * 'retry' when got asks for a new attempt (the sink is ended first, so what arrived is kept), and
 * rejects on a failure that is not retried, or on abort, at once.
 */
export function transfer(request: Request, signal: AbortSignal | undefined, openSink: (response: Response) => Writable): Promise<'done' | 'retry'> {
  return new Promise((resolve, reject) => {
    let sink: Writable | undefined;
    let retrying = false;
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const fail = (err: unknown): void =>
      settle(() => {
        request.destroy();
        sink?.destroy();
        reject(err);
      });
    const onAbort = (): void => fail(new DownloadAborted());
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });

    request.once('response', (response: Response) => {
      try {
        sink = openSink(response);
      } catch (err) {
        return fail(err);
      }
      sink.on('error', fail);
      sink.once('finish', () => settle(() => resolve(retrying ? 'retry' : 'done')));
      request.pipe(sink);
    });
    request.once('retry', () => {
      // got has already destroyed the request: what it still held in memory is lost (a few KiB at
      // most), what reached the sink goes to disk and the next attempt asks for the rest.
      retrying = true;
      if (!sink) return settle(() => resolve('retry'));
      request.unpipe(sink);
      sink.end();
    });
    // on, not once: a destroyed got stream may report more than one error, and an error without a
    // listener would be thrown.
    request.on('error', fail);
  });
}

/** The user interrupted the download (the AbortSignal fired). */
export class DownloadAborted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'DownloadAborted';
  }
}

/** Why a request failed, in words that name the cause (and never a proxy's password). */
export function describeFailure(err: unknown): string {
  if (err instanceof HTTPError) return `HTTP ${err.response.statusCode}${err.response.statusMessage ? ` (${err.response.statusMessage})` : ''}`;
  if (err instanceof TimeoutError) return timeoutReason(err);
  if (err instanceof MaxRedirectsError) return `more than ${MAX_REDIRECTS} redirects`;
  // got's words for a body cut short ("The server aborted pending request") blame the server; often
  // it is the network in between.
  if (err instanceof ReadError) return 'the connection dropped before the end of the file';
  const message = err instanceof Error ? err.message : String(err);
  const requestError = err as Partial<RequestError>;
  const url = requestError.options?.url?.toString();
  const proxy = url ? proxyFor(url) : undefined;
  return redactCredentials(proxy ? `${message} (through the proxy ${redactUrl(proxy)})` : message);
}

const TIMEOUT_WORDS: Record<string, string> = {
  lookup: 'the host name did not resolve within',
  connect: 'could not connect within',
  secureConnect: 'the TLS handshake did not finish within',
  response: 'no response within',
  socket: 'no data arrived for',
};

function timeoutReason(err: TimeoutError): string {
  // got 11 words it "Timeout awaiting 'socket' for 60000ms"; the event and the limit are what matter.
  const ms = Number(/for (\d+)ms/.exec(err.message)?.[1]);
  const limit = Number.isFinite(ms) ? `${ms / 1000}s` : 'the time limit';
  return `${TIMEOUT_WORDS[err.event] ?? `timed out waiting for ${err.event},`} ${limit}`;
}
