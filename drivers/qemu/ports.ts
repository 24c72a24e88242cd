import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { OperationError } from '../../src/core/errors';
import { withStoreLock } from '../../src/core/store/lock';
import { exists, writeFileAtomic } from '../../src/core/fs-atomic';

/**
 * Host ports for QEMU's forwards. Another `machine create` may be choosing ports at the same moment
 * and QEMU binds them only when it starts, so a free port is not enough: each machine's ports are
 * written to STORE/qemu/ports.json under the store lock, and a port listed there is never handed out
 * again until `rm` releases it. Entries of machines whose folder is gone are dropped as stale.
 */
export interface MachinePorts {
  sshPort: number;
  enginePort: number;
}

type Reservations = Record<string, string>;

export function reservationsFile(storePath: string): string {
  return path.join(storePath, 'qemu', 'ports.json');
}

/** A port the OS considers free on 127.0.0.1 right now. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function reservePorts(storePath: string, machineName: string, pickPort: () => Promise<number> = freeLoopbackPort): Promise<MachinePorts> {
  return withStoreLock(storePath, async () => {
    const reservations = await liveReservations(storePath);
    const mine = Object.entries(reservations).filter(([, owner]) => owner === machineName).map(([port]) => Number(port));
    const picked: number[] = [];
    for (let attempt = 0; picked.length < 2 && attempt < 50; attempt++) {
      const port = await pickPort();
      if (reservations[String(port)] === undefined && !picked.includes(port) && !mine.includes(port)) picked.push(port);
    }
    const [sshPort, enginePort] = picked;
    if (sshPort === undefined || enginePort === undefined) throw new OperationError('QEMU_PORTS', 'could not find two free TCP ports on 127.0.0.1');
    reservations[String(sshPort)] = machineName;
    reservations[String(enginePort)] = machineName;
    await writeReservations(storePath, reservations);
    return { sshPort, enginePort };
  });
}

export async function releasePorts(storePath: string, machineName: string): Promise<void> {
  const file = reservationsFile(storePath);
  if (!(await exists(file))) return;
  await withStoreLock(storePath, async () => {
    const reservations = await readReservations(storePath);
    const kept = Object.fromEntries(Object.entries(reservations).filter(([, owner]) => owner !== machineName));
    if (Object.keys(kept).length !== Object.keys(reservations).length) await writeReservations(storePath, kept);
  });
}

async function liveReservations(storePath: string): Promise<Reservations> {
  const reservations = await readReservations(storePath);
  const owners = [...new Set(Object.values(reservations))];
  const gone = new Set<string>();
  for (const owner of owners) {
    const alive = await exists(path.join(storePath, 'machines', owner));
    if (!alive) gone.add(owner);
  }
  return Object.fromEntries(Object.entries(reservations).filter(([, owner]) => !gone.has(owner)));
}

async function readReservations(storePath: string): Promise<Reservations> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(reservationsFile(storePath), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

async function writeReservations(storePath: string, reservations: Reservations): Promise<void> {
  const file = reservationsFile(storePath);
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${JSON.stringify(reservations, null, 2)}\n`);
}
