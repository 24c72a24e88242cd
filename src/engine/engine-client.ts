import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import { MachineError, errorMessage } from '../core/errors';
import { pollUntil } from '../util/wait';
import { engineError, translateEngineError } from './engine-errors';

/**
 * Talking to dockerd over mutual TLS: we present the client certificate, and trust the server only
 * if our CA signed it for this address. node:https loads inside the request so that importing this
 * module costs nothing on commands that never call the engine.
 */

/** dockerd on a TCP port, spoken to with mutual TLS. */
export interface TlsEngineTarget {
  host: string;
  port: number;
  caPem: string;
  certPem: string;
  keyPem: string;
  /** Name to check the server certificate against, when not the host (e.g. a forwarded port on 127.0.0.1). */
  serverName?: string;
  /** Only for messages: lets suggestions name the machine (`machine regenerate-certs dev1`). */
  machineName?: string;
}

/**
 * dockerd's unix socket at the end of a stream someone else opened (an SSH channel): plain HTTP, as
 * the socket speaks it; the stream's own transport is what authenticates both ends.
 */
export interface TunnelEngineTarget {
  /** How to name where the engine is, in messages (e.g. `ssh://machine-dev1`). */
  address: string;
  /** One fresh stream per request, already connected to the engine's socket. */
  openStream: () => Promise<Duplex>;
  machineName?: string;
}

export type EngineTarget = TlsEngineTarget | TunnelEngineTarget;

function isTunnel(target: EngineTarget): target is TunnelEngineTarget {
  return 'openStream' in target;
}

export interface EngineRequestOptions {
  /** Budget for the whole exchange: connect, handshake, response. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Default GET. */
  method?: 'GET' | 'POST' | 'DELETE';
  /** Sent as JSON (POST): swarm init/join, node updates. */
  json?: unknown;
}

export interface EngineResponse {
  status: number;
  body: string;
}

export interface EngineVersion {
  Version: string;
  ApiVersion: string;
  Os: string;
  Arch: string;
  KernelVersion?: string;
}

/** Engine answers are small; anything larger is not dockerd and is cut off rather than buffered. */
const MAX_BODY_BYTES = 1024 * 1024;

export function engineAddress(target: EngineTarget | Pick<TlsEngineTarget, 'host' | 'port'>): string {
  if ('openStream' in target) return target.address;
  return `tcp://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
}

export async function engineRequest(target: EngineTarget, path: string, options: EngineRequestOptions): Promise<EngineResponse> {
  const address = engineAddress(target);
  if (options.signal?.aborted) throw aborted(address, options.signal);
  const call: RequestCall = { path, method: options.method ?? 'GET', ...(options.json !== undefined ? { body: JSON.stringify(options.json) } : {}) };
  const request = isTunnel(target) ? await tunnelRequest(target, call) : await tlsRequest(target, call);
  return new Promise<EngineResponse>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const timer = setTimeout(() => {
      finish(() => reject(engineError('ENGINE_TIMEOUT', `the engine at ${address} did not answer within ${seconds(options.timeoutMs)}`, timeoutSuggestions(target))));
      request.destroy();
    }, options.timeoutMs);
    const onAbort = () => {
      finish(() => reject(aborted(address, options.signal)));
      request.destroy();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let afterHandshake = false;
    request.on('socket', (socket) => socket.once('secureConnect', () => (afterHandshake = true)));
    // A tunnel's refused channel arrives already translated.
    request.on('error', (err) => finish(() => reject(err instanceof MachineError ? err : translateEngineError(err, address, target.machineName, { afterHandshake }))));
    request.on('response', (response) => {
      readBody(response).then(
        (body) => finish(() => resolve({ status: response.statusCode ?? 0, body })),
        (err: unknown) => finish(() => reject(translateEngineError(err, address, target.machineName))),
      );
    });
    request.end(call.body);
  });
}

interface RequestCall {
  path: string;
  method: string;
  body?: string;
}

function headersFor(call: RequestCall): Record<string, string> {
  return { Accept: 'application/json', ...(call.body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(call.body)) } : {}) };
}

async function tlsRequest(target: TlsEngineTarget, call: RequestCall): Promise<ClientRequest> {
  const https = await import('node:https');
  return https.request({
    host: target.host,
    port: target.port,
    path: call.path,
    method: call.method,
    ca: target.caPem,
    cert: target.certPem,
    key: target.keyPem,
    ...(target.serverName ? { servername: target.serverName } : {}),
    // A fresh connection per request: no pooled socket keeps the process alive afterwards.
    agent: false,
    headers: headersFor(call),
  });
}

/**
 * The request opens its stream through createConnection's callback, so the one timer and abort of
 * engineRequest cover opening the channel too, and a stream that opens after a timeout is destroyed with
 * the request instead of left open. A channel that cannot be opened fails like a refused connection.
 */
async function tunnelRequest(target: TunnelEngineTarget, call: RequestCall): Promise<ClientRequest> {
  const http = await import('node:http');
  const createConnection = (_options: unknown, ready: (err: Error | null, stream?: Duplex) => void): undefined => {
    target.openStream().then(
      (stream) => ready(null, stream),
      (err: unknown) => ready(engineError('ENGINE_UNREACHABLE', `cannot reach the engine at ${target.address}: ${errorMessage(err)}`, [], err)),
    );
    return undefined;
  };
  // `Host` must be present for HTTP/1.1; dockerd ignores its value on a unix socket. The cast: Node's
  // types want a net.Socket returned at once, while Node itself takes any stream through the callback.
  return http.request({ path: call.path, method: call.method, host: 'docker', createConnection: createConnection as unknown as RequestOptions['createConnection'], headers: headersFor(call) });
}

/** GET /_ping: the engine is up and accepts our certificate when it answers 200 "OK". */
export async function pingEngine(target: EngineTarget, options: EngineRequestOptions): Promise<void> {
  const response = await engineRequest(target, '/_ping', options);
  if (response.status !== 200 || response.body.trim() !== 'OK') {
    throw engineError('ENGINE_BAD_RESPONSE', `the engine at ${engineAddress(target)} answered /_ping with ${response.status} ${JSON.stringify(response.body.slice(0, 200))}`);
  }
}

/** GET /version, without an API version prefix so any engine answers (docker-machine pinned /v1.15). */
export async function engineVersion(target: EngineTarget, options: EngineRequestOptions): Promise<EngineVersion> {
  const address = engineAddress(target);
  const response = await engineRequest(target, '/version', options);
  if (response.status !== 200) {
    throw engineError('ENGINE_BAD_RESPONSE', `the engine at ${address} answered /version with ${response.status} ${JSON.stringify(response.body.slice(0, 200))}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch (err) {
    throw engineError('ENGINE_BAD_RESPONSE', `the engine at ${address} answered /version with something that is not JSON`, [], err);
  }
  return asEngineVersion(parsed, address);
}

export interface WaitForEngineOptions {
  timeoutMs: number;
  intervalMs: number;
  signal?: AbortSignal;
}

/**
 * Pings until the engine answers or the time is up. Every failure is retried (dockerd may still be
 * restarting with its new certificate); when time runs out, a certificate problem is reported as
 * such, anything else as ENGINE_TIMEOUT carrying the last error.
 */
export async function waitForEngine(target: EngineTarget, options: WaitForEngineOptions): Promise<void> {
  const address = engineAddress(target);
  let lastError: unknown;
  const ready = await pollUntil(
    async ({ remainingMs }) => {
      // The look at the deadline has no time left for a request.
      if (remainingMs <= 0) return undefined;
      try {
        await pingEngine(target, { timeoutMs: remainingMs, ...(options.signal ? { signal: options.signal } : {}) });
        return true;
      } catch (err) {
        if (err instanceof MachineError && err.code === 'ENGINE_ABORTED') throw err;
        // The request had all the time left, so its timeout is the deadline cutting it short; that says
        // less than the failure before it: keep that one.
        const cutShort = err instanceof MachineError && err.code === 'ENGINE_TIMEOUT';
        if (!cutShort || lastError === undefined) lastError = err;
        return undefined;
      }
    },
    {
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs,
      ...(options.signal ? { signal: options.signal } : {}),
      abortError: () => aborted(address, options.signal),
    },
  );
  if (ready) return;
  if (lastError instanceof MachineError && lastError.code === 'ENGINE_TLS_FAILED') throw lastError;
  const last = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw engineError('ENGINE_TIMEOUT', `the engine at ${address} was not ready within ${seconds(options.timeoutMs)}${last}`, timeoutSuggestions(target), lastError);
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        response.destroy(new Error(`response larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('the connection closed before the response ended')));
  });
}

function asEngineVersion(value: unknown, address: string): EngineVersion {
  const record = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const text = (key: string) => (typeof record[key] === 'string' ? (record[key] as string) : undefined);
  const version = text('Version');
  const apiVersion = text('ApiVersion');
  if (!version || !apiVersion) throw engineError('ENGINE_BAD_RESPONSE', `the engine at ${address} answered /version without Version and ApiVersion`);
  const kernel = text('KernelVersion');
  return { Version: version, ApiVersion: apiVersion, Os: text('Os') ?? '', Arch: text('Arch') ?? '', ...(kernel ? { KernelVersion: kernel } : {}) };
}

function aborted(address: string, signal: AbortSignal | undefined): MachineError {
  return engineError('ENGINE_ABORTED', `the request to the engine at ${address} was cancelled`, [], signal?.reason);
}

function timeoutSuggestions(target: EngineTarget): string[] {
  const name = target.machineName ?? 'NAME';
  if (isTunnel(target)) return [`check that the machine is running and dockerd is active: machine status ${name}, machine ssh ${name} systemctl status docker`];
  return [`check that the machine is running: machine status ${name}`, 'check that a firewall or security group lets the client reach the engine port'];
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}
