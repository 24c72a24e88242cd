import * as net from 'node:net';
import { Client } from 'ssh2';

/**
 * Resolves with the server's identification line (`SSH-2.0-...`) or null. A bare TCP connect proves
 * nothing here: QEMU's user-network port forward accepts connections before anything listens in the guest
 * and then drops them, so only a banner shows that sshd is really up.
 */
export function readSshBanner(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let received = '';
    const finish = (banner: string | null): void => {
      socket.destroy();
      resolve(banner);
    };
    socket.setTimeout(timeoutMs, () => finish(null));
    socket.on('error', () => finish(null));
    socket.on('close', () => finish(null));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const line = received.split(/\r?\n/).find((candidate) => candidate.startsWith('SSH-'));
      if (line !== undefined) finish(line);
    });
  });
}

/** True once `user` can log in with `privateKey`; any failure (refused, auth rejected, reset) is false. */
export function canLogIn(host: string, port: number, user: string, privateKey: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const client = new Client();
    const finish = (ok: boolean): void => {
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end();
      resolve(ok);
    };
    client.on('ready', () => finish(true));
    client.on('error', () => finish(false));
    client.on('close', () => finish(false));
    client.connect({ host, port, username: user, privateKey, readyTimeout: timeoutMs });
  });
}
