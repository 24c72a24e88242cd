import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import type { SshSession } from '../ssh/client';
import type { MachineApp } from './app';
import type { MachineRecord } from '../core/machine-record';
import { errorMessage } from '../core/errors';
import { retry } from '../util/retry';
import { openSession } from './ssh-access';
import { claimSocketPath, listenPrivately } from './unix-socket-path';

import { ENGINE_SOCKET } from './engine-socket';

/** Pauses between attempts to get the SSH connection back: quick at first, then every 10 s or so. */
const RECONNECT_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000];

export interface EngineProxyOptions {
  socketPath: string;
  machineName: string;
  /** Opens one pinned-key SSH connection to the machine. */
  connect: () => Promise<SshSession>;
  /** The socket on the host; default dockerd's. */
  remoteSocket?: string;
  /** Lines for the user (reconnects, failures); default stderr. */
  log?: (line: string) => void;
}

/**
 * `machine proxy`: a local unix socket whose every connection becomes a channel to the host's engine
 * socket, all over one SSH connection. When that connection drops, a new one is made (with backoff)
 * and the next client connection uses it; connections open at the time of the drop end with it.
 */
/** The proxy for a machine record, over the machine's pinned-key SSH connection. */
export function engineProxyFor(app: MachineApp, record: MachineRecord, socketPath: string): EngineProxy {
  return new EngineProxy({ socketPath, machineName: record.name, connect: () => openSession(app, record) });
}

export class EngineProxy {
  private readonly server = net.createServer((socket) => this.relay(socket));
  private readonly clients = new Set<net.Socket>();
  private session?: Promise<SshSession>;
  private stopped = false;
  private readonly log: (line: string) => void;

  constructor(private readonly options: EngineProxyOptions) {
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /**
   * Claims the path, connects over SSH (so a wrong key or an unreachable host fails here, not on the
   * first request), then listens. A failure leaves no connection open behind it.
   */
  async start(): Promise<void> {
    await claimSocketPath(this.options.socketPath);
    try {
      await this.currentSession();
      await listenPrivately(this.server, this.options.socketPath);
    } catch (err) {
      this.stopped = true;
      const session = await this.session?.catch(() => undefined);
      await session?.close();
      throw err;
    }
  }

  /** Closes the socket (and removes its file), the open relays and the SSH connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const client of this.clients) client.destroy();
    await closing;
    await fs.rm(this.options.socketPath, { force: true });
    const session = await this.session?.catch(() => undefined);
    await session?.close();
  }

  private async relay(socket: net.Socket): Promise<void> {
    this.clients.add(socket);
    socket.once('close', () => this.clients.delete(socket));
    // Bytes the client sends before the channel is open wait in the socket until we pipe it.
    socket.pause();
    socket.on('error', () => socket.destroy());
    try {
      const session = await this.currentSession();
      const channel = await session.forwardToUnixSocket(this.options.remoteSocket ?? ENGINE_SOCKET);
      if (socket.destroyed) {
        channel.close();
        return;
      }
      channel.on('error', () => socket.destroy());
      channel.on('close', () => socket.destroy());
      socket.on('close', () => channel.close());
      socket.pipe(channel);
      channel.pipe(socket);
      socket.resume();
    } catch (err) {
      this.log(`machine proxy: ${errorMessage(err)}`);
      socket.destroy();
    }
  }

  /** The open SSH connection, or the one being made; a failed attempt is forgotten so the next call tries anew. */
  private currentSession(): Promise<SshSession> {
    if (this.session) return this.session;
    const attempt = retry(() => this.options.connect(), { delaysMs: RECONNECT_DELAYS_MS, shouldRetry: () => !this.stopped });
    this.session = attempt;
    attempt.then(
      (session) => session.onClose(() => this.connectionClosed(attempt)),
      () => {
        if (this.session === attempt) this.session = undefined;
      },
    );
    return attempt;
  }

  /** The host dropped us: reconnect now, so the next request finds a connection ready. */
  private connectionClosed(closed: Promise<SshSession>): void {
    if (this.session !== closed || this.stopped) return;
    this.session = undefined;
    this.log(`machine proxy: the SSH connection to "${this.options.machineName}" closed; reconnecting`);
    this.currentSession().then(
      () => this.log(`machine proxy: reconnected to "${this.options.machineName}"`),
      (err: unknown) => this.log(`machine proxy: cannot reconnect to "${this.options.machineName}" (${errorMessage(err)}); the next connection tries again`),
    );
  }
}
