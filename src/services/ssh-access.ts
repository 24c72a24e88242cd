import type { SshConnectOptions } from '../ssh/client';
import type { SshSession } from '../ssh/client';
import type { MachineApp } from './app';
import { OperationError } from '../core/errors';
import type { MachineRecord } from '../core/machine-record';

export type HostKeyPolicy = 'trust-on-first-use' | 'strict' | 'accept-new';

/** How to reach a machine over SSH: its endpoint, its key, and its pinned host key file. */
export function sshOptionsFor(app: MachineApp, record: MachineRecord, pinMode: HostKeyPolicy = 'strict'): SshConnectOptions {
  if (!record.ssh) {
    throw new OperationError('NO_SSH_ENDPOINT', `machine "${record.name}" has no SSH endpoint yet (its create did not get that far)`, [
      `remove it with \`machine rm ${record.name}\` and create it again`,
    ]);
  }
  const { host, port, user, keyPath, useAgent } = record.ssh;
  return {
    host,
    port,
    user,
    ...(keyPath ? { privateKeyPath: app.layout.resolve(keyPath) } : {}),
    ...(useAgent ? { useAgent: true } : {}),
    knownHostsPath: app.layout.machineFile(record.name, 'known_hosts'),
    pinMode,
    machineName: record.name,
  };
}

/** Opens one SSH connection to a machine; the host key must match the pinned one. */
export async function openSession(app: MachineApp, record: MachineRecord, pinMode: HostKeyPolicy = 'strict'): Promise<SshSession> {
  const { connectSsh } = await import('../ssh/client');
  return connectSsh(sshOptionsFor(app, record, pinMode));
}

/** Runs `work` over one connection and always closes it. */
export async function withSession<T>(app: MachineApp, record: MachineRecord, work: (session: SshSession) => Promise<T>, pinMode: HostKeyPolicy = 'strict'): Promise<T> {
  const session = await openSession(app, record, pinMode);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}
