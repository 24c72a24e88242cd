import * as net from 'node:net';

export interface TcpForward {
  close(): Promise<void>;
}

/**
 * Listens on `address:port` and relays each connection to wherever `target()` says at that moment (a
 * container's bridge address, which changes when a stopped host boots again). This is how a light
 * host is "published" on its own loopback address, as a VM's forwarded ports are: docker's own
 * publishing cannot move a running container to another address, and costs a proxy process per port.
 */
export async function forwardTcp(address: string, port: number, target: () => { host: string; port: number } | undefined): Promise<TcpForward> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const to = target();
    if (!to) {
      client.destroy();
      return;
    }
    const upstream = net.connect(to.port, to.host);
    sockets.add(client).add(upstream);
    const done = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
