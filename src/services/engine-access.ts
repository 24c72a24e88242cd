import type { MachineApp } from './app';
import { OperationError } from '../core/errors';
import { readStoreFile } from '../core/store/no-follow';
import type { MachineRecord } from '../core/machine-record';
import type { EngineTarget } from '../engine/engine-client';


/** The client side of the machine's mutual TLS: where dockerd is and the certificates to present. */
export async function engineTargetFor(app: MachineApp, record: MachineRecord): Promise<EngineTarget> {
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
