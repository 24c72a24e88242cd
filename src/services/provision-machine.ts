import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { ServerTls } from '../provision/plan';
import { provisionHost } from '../provision/runner';
import type { RemoteSession } from '../ssh/session';
import { readIfExists } from '../util/read-if-exists';
import { OperationError } from '../core/errors';
import type { StoreLayout } from '../core/store-layout';
import { readStoreFile } from '../core/store/no-follow';
import type { MachineApp } from './app';
import { engineTransport, type MachineRecord } from '../core/machine-record';
import type { Progress } from './progress';

export interface ProvisionOutcome {
  engineChanged: boolean;
  serverCertSans: string[];
}

/**
 * Makes the host a TLS-secured engine over one open session: runs the provisioning scripts, which ask
 * for the server certificate once the host has reported its addresses (it is issued for all of them).
 * The full output goes to provision.log. `reuseServerCert` keeps the current server certificate when
 * it still covers the host (re-provision must not rotate certificates, or dockerd would restart every
 * time).
 */
export async function provisionMachine(
  app: MachineApp,
  record: MachineRecord,
  session: RemoteSession,
  progress: Progress,
  options: { reuseServerCert: boolean; extraAddresses?: string[]; engineInImage?: boolean },
): Promise<ProvisionOutcome> {
  const { layout } = app;

  const sshOnly = engineTransport(record) === 'ssh';
  let sans: string[] = [];
  // The ssh transport serves no TLS, so the host gets no server certificate to keep safe.
  const serverTlsFor = sshOnly
    ? undefined
    : async (hostAddresses: string[]) => {
        sans = serverCertNames(record, [record.ip, ...(options.extraAddresses ?? []), ...hostAddresses]);
        await ensureServerCertificateFor(app, record, sans, options.reuseServerCert, progress);
        return readServerTls(layout, record.name);
      };
  // The record's schema keeps this path inside the store; the read refuses links on the way.
  const repoKeyArmored = record.engine.repoKeyPath ? await readRequired(layout, layout.resolve(record.engine.repoKeyPath)) : undefined;

  const log = createWriteStream(layout.machineFile(record.name, 'provision.log'), { flags: 'a', mode: 0o600 });
  const started = Date.now();
  log.write(`--- provision ${new Date().toISOString()} ---\n`);
  try {
    const result = await provisionHost(
      session,
      {
        machineName: record.name,
        driverName: record.driver,
        engine: record.engine,
        ...(serverTlsFor ? { serverTlsFor } : {}),
        ...(repoKeyArmored ? { repoKeyArmored } : {}),
        ...(options.engineInImage ? { engineInImage: options.engineInImage } : {}),
      },
      {
        phase: (name: string) => progress.note('provision', name),
        // Seconds since provisioning began on every line: the log then shows where time goes.
        log: (line: string) => log.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line.endsWith('\n') ? line : `${line}\n`}`),
      },
    );
    return { engineChanged: result.engineChanged, serverCertSans: sans };
  } finally {
    await new Promise<void>((resolve) => log.end(resolve));
  }
}

/**
 * Puts the CA and client material in the machine folder and a server certificate for `names` beside
 * them: the current one when `reuse` is asked and it still covers every name, else a new one.
 */
export async function ensureServerCertificateFor(app: MachineApp, record: MachineRecord, names: string[], reuse: boolean, progress: Progress): Promise<void> {
  // Lazy: src/tls brings the X.509 library, which only the commands that reach this step should load.
  const tls = await import('../tls');
  const { layout } = app;
  await tls.copyClientMaterialToMachine(layout, record.name);
  const current = await readIfExists(layout.machineFile(record.name, 'server.pem'));
  const currentKey = await readIfExists(layout.machineFile(record.name, 'server-key.pem'));
  const stillGood =
    reuse && current !== undefined && currentKey !== undefined && keyMatches(current, currentKey) && names.every((n) => tls.certificateCovers(current, n));
  if (!stillGood) {
    const ca = await tls.loadCa(layout);
    const pair = await tls.issueServerCert(ca, { keyType: record.tls.keyType, machineName: record.name, sans: names });
    await tls.writeServerCertificate(layout, record.name, pair);
    progress.note('provision', `server certificate issued for ${names.join(', ')}`);
  }
}

/** The server certificate, its key and the CA, as the machine folder has them. */
export async function readServerTls(layout: StoreLayout, name: string): Promise<ServerTls> {
  const [certPem, keyPem, caCertPem] = await Promise.all(
    (['server.pem', 'server-key.pem', 'ca.pem'] as const).map((file) => readRequired(layout, layout.machineFile(name, file))),
  );
  return { certPem, keyPem, caCertPem };
}

/**
 * The names a machine's server certificate covers: the addresses clients may use and the user's
 * --tls-san names. Provisioning keeps a certificate issued at boot (for a provisioned image's seed)
 * only while it covers these, so both build them here.
 */
export function serverCertNames(record: MachineRecord, addresses: Array<string | undefined>): string[] {
  return unique([...addresses, ...record.tls.sans].filter(isPresent));
}

/** A crash between writing the certificate and its key must not leave a pair dockerd cannot use. */
function keyMatches(certPem: string, keyPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function isPresent(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

/** A file the store made (no link followed on the way), or the user's own file as it is. */
async function readRequired(layout: StoreLayout, file: string): Promise<string> {
  const inside = layout.relative(file) !== file;
  const text = inside ? await readStoreFile(layout.root, file) : await readIfExists(file);
  if (text === undefined) throw new OperationError('MISSING_FILE', `${file} is missing`);
  return text;
}
