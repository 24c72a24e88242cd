import type { MachineApp } from './app';
import { OperationError } from '../core/errors';
import { readStoreFile } from '../core/store/no-follow';
import { engineTransport, sshHostAlias, type MachineRecord } from '../core/machine-record';
import type { EngineTarget, TlsEngineTarget } from '../engine/engine-client';
import { ENGINE_SOCKET } from './engine-socket';
import { openSession } from './ssh-access';

/**
 * Runs `use` with a way to the machine's engine: its TLS port with the client certificates, or, for the
 * ssh transport, channels to its socket over one pinned-key SSH connection, closed when `use` ends.
 */
export async function withEngineTarget<T>(app: MachineApp, record: MachineRecord, use: (target: EngineTarget) => Promise<T>): Promise<T> {
  if (engineTransport(record) === 'tls') return use(await engineTargetFor(app, record));
  const session = await openSession(app, record);
  try {
    return await use({ address: `ssh://${sshHostAlias(record.name)}`, machineName: record.name, openStream: () => session.forwardToUnixSocket(ENGINE_SOCKET) });
  } finally {
    await session.close();
  }
}

/** The client side of the machine's mutual TLS: where dockerd is and the certificates to present. */
export async function engineTargetFor(app: MachineApp, record: MachineRecord): Promise<TlsEngineTarget> {
  const host = record.dockerEndpoint?.host ?? record.ip;
  if (!host) throw new OperationError('NO_ADDRESS', `machine "${record.name}" has no address yet`);
  const port = record.dockerEndpoint?.port ?? record.engine.port;
  const read = async (file: 'ca.pem' | 'cert.pem' | 'key.pem') => {
    const text = await readStoreFile(app.layout.root, app.layout.machineFile(record.name, file));
    if (text === undefined) throw new OperationError('NO_CLIENT_CERTIFICATE', `machine "${record.name}" has no ${file} (its create did not get that far)`, [`\`machine regenerate-certs ${record.name}\` makes new ones`]);
    return text;
  };
  const [caPem, certPem, keyPem] = await Promise.all([read('ca.pem'), read('cert.pem'), read('key.pem')]);
  return { host, port, caPem, certPem, keyPem, machineName: record.name };
}
