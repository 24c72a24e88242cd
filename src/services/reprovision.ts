import type { MachineApp } from './app';
import type { MachineRecord } from '../core/machine-record';
import { withStoreLock } from '../core/store/lock';
import { refreshMachineContext } from './docker-context';
import { refreshSshClientConfig } from './ssh-client-config';
import { waitForEngineReady } from './engine-ready';
import type { Progress } from './progress';
import { provisionMachine } from './provision-machine';
import { withSession } from './ssh-access';

export interface ReprovisionOutcome {
  name: string;
  engineChanged: boolean;
  dockerVersion: string;
}

/**
 * `provision` and `regenerate-certs`: run provisioning again over one connection. Provision keeps a
 * server certificate that still fits, so a correct host sees no change and dockerd keeps running;
 * regenerate-certs issues a new one (and with `rotateClientCerts`, a new CA and client first).
 */
export async function reprovision(
  app: MachineApp,
  record: MachineRecord,
  progress: Progress,
  options: { newServerCert: boolean; rotateClientCerts?: boolean },
): Promise<ReprovisionOutcome> {
  if (options.rotateClientCerts) {
    await progress.phase('rotate CA and client certificate', () =>
      withStoreLock(app.layout.root, async () => {
        // Lazy: the X.509 library loads only for a rotation.
        const { rotateStoreCertificates } = await import('../tls');
        await rotateStoreCertificates(app.layout, record.tls.keyType);
      }),
    );
  }
  const outcome = await progress.phase('provision', () =>
    withSession(app, record, (session) => provisionMachine(app, record, session, progress, { reuseServerCert: !options.newServerCert })),
  );
  const dockerVersion = await progress.phase('engine ready', () => waitForEngineReady(app, record, 60_000));
  const updated = await app.store.update(record.name, (r) => {
    r.status = 'ready';
    delete r.error;
  });
  // New certificates (regenerate-certs, --client-certs) must reach the context's copy of them too.
  await refreshMachineContext(app, updated, progress);
  await refreshSshClientConfig(app, updated, progress);
  return { name: record.name, engineChanged: outcome.engineChanged, dockerVersion };
}
