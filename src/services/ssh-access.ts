import type { SshConnectOptions, SshSession } from '../ssh/client';
import type { RemoteSession } from '../ssh/session';
import type { MachineApp } from './app';
import * as path from 'node:path';
import { OperationError } from '../core/errors';
import { assertNoLinksBelowSync } from '../core/store/no-follow';
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
  // The store's own key (a relative path) is read without following a link planted on its way; a key
  // the user named is theirs to place.
  if (keyPath !== undefined && !path.isAbsolute(keyPath)) assertNoLinksBelowSync(app.layout.root, app.layout.resolve(keyPath));
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

/**
 * Opens one ssh2 connection to a machine; the host key must match the pinned one. For scp and the
 * interactive shell, which need ssh2's SFTP streams and terminal; everything else uses withSession.
 */
export async function openSession(app: MachineApp, record: MachineRecord, pinMode: HostKeyPolicy = 'strict'): Promise<SshSession> {
  // Lazy: ssh2 loads on the first connection, not with every command that imports this module.
  const { connectSsh } = await import('../ssh/client');
  return connectSsh(sshOptionsFor(app, record, pinMode));
}

/** Runs `work` over one connection made through the app's SSH connector, and always closes it. */
export async function withSession<T>(app: MachineApp, record: MachineRecord, work: (session: RemoteSession) => Promise<T>, pinMode: HostKeyPolicy = 'strict'): Promise<T> {
  return closingAfter(await app.ssh.connect(sshOptionsFor(app, record, pinMode)), work);
}

/** As withSession, over an ssh2 session: for a terminal or a command attached to ours. */
export async function withInteractiveSession<T>(app: MachineApp, record: MachineRecord, work: (session: SshSession) => Promise<T>, pinMode: HostKeyPolicy = 'strict'): Promise<T> {
  return closingAfter(await openSession(app, record, pinMode), work);
}

async function closingAfter<S extends RemoteSession, T>(session: S, work: (session: S) => Promise<T>): Promise<T> {
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}
