import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createWriteStream } from 'node:fs';
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
 * Makes the host a TLS-secured engine over one open session: issues the server certificate for every
 * address the host has, then runs the provisioning scripts. The full output goes to provision.log.
 * `reuseServerCert` keeps the current server certificate when it still covers the host (re-provision
 * must not rotate certificates, or dockerd would restart every time).
 */
export async function provisionMachine(
  app: MachineApp,
  record: MachineRecord,
  session: RemoteSession,
  progress: Progress,
  options: { reuseServerCert: boolean; extraAddresses?: string[]; engineInImage?: { dockerdPath: string } },
): Promise<ProvisionOutcome> {
  const { layout } = app;

  const sshOnly = engineTransport(record) === 'ssh';
  // The ssh transport serves no TLS, so the host gets no server certificate to keep safe.
  const sans = sshOnly ? [] : await ensureServerCertificate(app, record, session, progress, options);
  const serverTls = sshOnly ? undefined : await readServerTls(layout, record.name);
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
        ...(serverTls ? { serverTls } : {}),
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

/** Issues (or keeps, when it still covers every address) the server certificate; answers its names. */
async function ensureServerCertificate(
  app: MachineApp,
  record: MachineRecord,
  session: RemoteSession,
  progress: Progress,
  options: { reuseServerCert: boolean; extraAddresses?: string[] },
): Promise<string[]> {
  const reported = await hostAddresses(session);
  const names = unique([record.ip, ...(options.extraAddresses ?? []), ...reported, ...record.tls.sans].filter(isPresent));
  await ensureServerCertificateFor(app, record, names, options.reuseServerCert, progress);
  return names;
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
export async function readServerTls(layout: StoreLayout, name: string): Promise<{ certPem: string; keyPem: string; caCertPem: string }> {
  const [certPem, keyPem, caCertPem] = await Promise.all(
    (['server.pem', 'server-key.pem', 'ca.pem'] as const).map((file) => readRequired(layout, layout.machineFile(name, file))),
  );
  return { certPem, keyPem, caCertPem };
}

/**
 * Every global address the host reports, so a client using any of them passes TLS verification.
 * Container bridges are left out: they appear only once dockerd runs, and counting them would make
 * the second provision re-issue the certificate and restart dockerd for nothing.
 */
async function hostAddresses(session: RemoteSession): Promise<string[]> {
  const result = await session.exec('ip -o addr show scope global 2>/dev/null || true');
  return parseIpAddrOutput(result.stdout);
}

export function parseIpAddrOutput(output: string): string[] {
  const addresses: string[] = [];
  for (const line of output.split('\n')) {
    // "2: eth0    inet 10.0.2.15/24 brd 10.0.2.255 scope global eth0"
    const match = /^\d+:\s+(\S+)\s+inet6?\s+([0-9a-fA-F.:]+)\//.exec(line);
    if (!match) continue;
    const [, iface, address] = match;
    if (/^(docker\d*|br-|veth|docker_gwbridge|cni|flannel|cali)/.test(iface)) continue;
    addresses.push(address);
  }
  return addresses;
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
