import type { BootFile } from '../core/driver';
import { engineTransport } from '../core/machine-record';
import { renderDockerdDropIn } from '../provision/dockerd-config';
import { ENGINE_HOST_FILES } from '../provision/plan';
import type { MachineApp } from './app';
import { ensureServerCertificateFor, readServerTls, serverCertNames } from './provision-machine';
import type { Progress } from './progress';

/**
 * The engine's per-machine files for a machine that boots from a provisioned image, for its seed to
 * write at first boot: a new server certificate for every address clients may use (and the user's
 * --tls-san names), the CA, and the dockerd drop-in for the engine the image holds. They are the
 * very files provisioning would install, so provisioning then finds them in place, and dockerd
 * starts once, at boot, already serving mutual TLS. The ssh transport needs the drop-in only.
 */
export async function engineBootFiles(
  app: MachineApp,
  name: string,
  request: { guestAddresses: string[]; dockerdPath: string },
  progress: Progress,
): Promise<BootFile[]> {
  const record = await app.store.load(name);
  const dropIn: BootFile = {
    path: ENGINE_HOST_FILES.dropIn,
    content: renderDockerdDropIn({ engine: record.engine, driverName: record.driver, dockerdPath: request.dockerdPath }),
    mode: 0o644,
  };
  if (engineTransport(record) === 'ssh') return [dropIn];
  const names = serverCertNames(record, request.guestAddresses);
  await ensureServerCertificateFor(app, record, names, false, progress);
  const tls = await readServerTls(app.layout, name);
  return [
    { path: ENGINE_HOST_FILES.caCert, content: tls.caCertPem, mode: 0o644 },
    { path: ENGINE_HOST_FILES.serverCert, content: tls.certPem, mode: 0o644 },
    { path: ENGINE_HOST_FILES.serverKey, content: tls.keyPem, mode: 0o600 },
    dropIn,
  ];
}
