import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { type HostSettings, HyperVHost } from './host';
import { runScript } from './scripts';

/**
 * Serves the emulated Hyper-V host on a Unix socket: one JSON line in ({file, input}), one JSON line
 * out ({stdout, exitCode}). The powershell.exe stand-in (powershell.ts, started through the
 * `powershell` shim) is the only client. MACHINE_TEST_HYPERV_HOST names the socket.
 */
export interface HyperVEmulator {
  host: HyperVHost;
  /** The executable to give the driver in place of powershell.exe. */
  powershell: string;
  /** The environment a `machine` process needs to reach this emulator. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export const SOCKET_ENV = 'MACHINE_TEST_HYPERV_HOST';
export const POWERSHELL_SHIM = path.join(__dirname, 'powershell');

export async function startHyperVEmulator(imageDir: string, settings: Partial<HostSettings> = {}): Promise<HyperVEmulator> {
  // Short: QMP sockets live under it, and Unix socket paths are limited to 107 bytes.
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'hv-'));
  const host = new HyperVHost(stateDir, imageDir, settings);
  const socketPath = path.join(stateDir, 'vmms.sock');
  const server = net.createServer((socket) => {
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      const request = JSON.parse(buffer.slice(0, newline)) as { file: string; input: string };
      void runScript(host, request.file, request.input).then((reply) => socket.end(`${JSON.stringify(reply)}\n`));
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    host,
    powershell: POWERSHELL_SHIM,
    env: { [SOCKET_ENV]: socketPath },
    async close() {
      await host.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fs.rm(stateDir, { recursive: true, force: true });
    },
  };
}
