import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MachineApp } from '../app';
import { UsageError, errorMessage } from '../../core/errors';
import { writeFileAtomic } from '../../core/fs-atomic';
import { type MachineRecord } from '../../core/machine-record';
import { validateName } from '../../core/store/machine-store';
import { withStoreLock } from '../../core/store/lock';
import { readIfExists } from '../../util/read-if-exists';
import { withSession } from '../ssh-access';
import { type DockerMachineTlsFiles, tlsFilesProblem } from './docker-machine-certificates';
import { type DockerMachineHost, parseDockerMachineHost } from './docker-machine-host';
import { translateHost } from './docker-machine-record';

export function defaultDockerMachineStore(): string {
  return path.join(os.homedir(), '.docker', 'machine');
}

export type ImportOutcome =
  | {
      name: string;
      driver: string;
      imported: true;
      /** True when docker-machine's CA and certificates were kept; false: `machine regenerate-certs` is needed. */
      certificatesKept: boolean;
      /** Plaintext credential fields found in docker-machine's file and not copied. */
      secretsSkipped: string[];
      hostKeyPinned: boolean;
      notes: string[];
    }
  | { name: string; driver: string; imported: false; reason: string };

export interface ImportOptions {
  /** Connect once to pin the host key (trust on first use). Off only where no host can answer. */
  pinHostKeys: boolean;
  now?: Date;
}

/** Adopts every generic and amazonec2 machine of a docker-machine store; reports the others as skipped. */
export async function importDockerMachineStore(app: MachineApp, sourceRoot: string, options: ImportOptions): Promise<ImportOutcome[]> {
  const machinesDir = path.join(sourceRoot, 'machines');
  let entries: string[];
  try {
    entries = (await fs.readdir(machinesDir)).sort();
  } catch (err) {
    throw new UsageError(`${machinesDir} cannot be read as a docker-machine store: ${errorMessage(err)}`, ['pass the store folder: machine import --from-docker-machine PATH']);
  }
  const outcomes: ImportOutcome[] = [];
  for (const entry of entries) {
    const text = await readIfExists(path.join(machinesDir, entry, 'config.json'));
    if (text === undefined) continue;
    let host: DockerMachineHost;
    try {
      host = parseDockerMachineHost(text);
    } catch (err) {
      outcomes.push({ name: entry, driver: 'unknown', imported: false, reason: `its config.json is not a docker-machine 0.16 host: ${errorMessage(err)}` });
      continue;
    }
    outcomes.push(await importHost(app, sourceRoot, host, options));
  }
  return outcomes;
}

async function importHost(app: MachineApp, sourceRoot: string, host: DockerMachineHost, options: ImportOptions): Promise<ImportOutcome> {
  const skip = (reason: string): ImportOutcome => ({ name: host.Name, driver: host.DriverName, imported: false, reason });
  try {
    validateName(host.Name);
  } catch (err) {
    return skip(errorMessage(err));
  }
  // The drivers' contract names the core's key file; ssh2 reads the key's type from its content, so
  // docker-machine's RSA key serves from there as it is.
  const keyTarget = app.layout.machineFile(host.Name, 'id_ed25519');
  const translated = translateHost(host, keyTarget, options.now ?? new Date());
  if ('skipped' in translated) return skip(translated.skipped);
  const record: MachineRecord = { ...translated.record, ssh: { ...translated.record.ssh!, keyPath: app.layout.relative(keyTarget) } };

  const sshKey = await firstReadable(candidates(sourceRoot, host, [stringField(host, 'SSHKeyPath')], 'id_rsa'));
  if (sshKey === undefined) return skip('its SSH key (Driver.SSHKeyPath, id_rsa) cannot be read');
  const tls = await readTlsFiles(sourceRoot, host);
  const problem = tls ? tlsFilesProblem(tls, record.ip!, options.now ?? new Date()) : 'some of ca.pem, cert.pem, key.pem, server.pem, server-key.pem are missing';

  const stored = await withStoreLock(app.layout.lockTarget, async () => {
    if (await app.store.exists(host.Name)) return false;
    await app.store.reserve(record);
    await writeFileAtomic(keyTarget, sshKey, 0o600);
    if (tls && problem === undefined) await writeTlsFiles(app, host.Name, tls);
    return true;
  });
  if (!stored) return skip(`a machine named "${host.Name}" already exists in this store`);

  const notes: string[] = [];
  if (problem !== undefined) notes.push(`docker-machine's certificates cannot serve it as they are (${problem}): run \`machine regenerate-certs --force ${host.Name}\``);
  if (translated.secretsSkipped.length > 0) {
    notes.push(`plaintext ${translated.secretsSkipped.join(', ')} in docker-machine's file not copied: credentials come from the AWS SDK's chain (AWS_* variables, ~/.aws)`);
  }
  let hostKeyPinned = false;
  if (options.pinHostKeys) {
    try {
      await withSession(app, record, (session) => session.exec('true'), 'trust-on-first-use');
      hostKeyPinned = true;
    } catch (err) {
      notes.push(`host key not pinned (${errorMessage(err)}): once the host answers, \`machine ssh --accept-host-key ${host.Name} -- true\` pins it`);
    }
  }
  return { name: host.Name, driver: record.driver, imported: true, certificatesKept: problem === undefined, secretsSkipped: translated.secretsSkipped, hostKeyPinned, notes };
}

/**
 * docker-machine records absolute paths; a store that was moved (or is read from a copy) still holds
 * the same file names, so each file is looked for where recorded, then in the machine's folder, then
 * in the store's certs folder.
 */
function candidates(sourceRoot: string, host: DockerMachineHost, recorded: Array<string | undefined>, fileName: string): string[] {
  const found = recorded.filter((p): p is string => typeof p === 'string' && p !== '');
  return [...found, path.join(sourceRoot, 'machines', host.Name, fileName), path.join(sourceRoot, 'certs', fileName)];
}

async function readTlsFiles(sourceRoot: string, host: DockerMachineHost): Promise<DockerMachineTlsFiles | undefined> {
  const auth = host.HostOptions.AuthOptions ?? {};
  const [caPem, certPem, keyPem, serverPem, serverKeyPem] = await Promise.all([
    firstReadable(candidates(sourceRoot, host, [auth.CaCertPath], 'ca.pem')),
    firstReadable(candidates(sourceRoot, host, [auth.ClientCertPath], 'cert.pem')),
    firstReadable(candidates(sourceRoot, host, [auth.ClientKeyPath], 'key.pem')),
    firstReadable(candidates(sourceRoot, host, [auth.ServerCertPath], 'server.pem')),
    firstReadable(candidates(sourceRoot, host, [auth.ServerKeyPath], 'server-key.pem')),
  ]);
  if (!caPem || !certPem || !keyPem || !serverPem || !serverKeyPem) return undefined;
  return { caPem, certPem, keyPem, serverPem, serverKeyPem };
}

async function writeTlsFiles(app: MachineApp, name: string, tls: DockerMachineTlsFiles): Promise<void> {
  const file = (f: 'ca.pem' | 'cert.pem' | 'key.pem' | 'server.pem' | 'server-key.pem') => app.layout.machineFile(name, f);
  await writeFileAtomic(file('ca.pem'), tls.caPem, 0o644);
  await writeFileAtomic(file('cert.pem'), tls.certPem, 0o644);
  await writeFileAtomic(file('key.pem'), tls.keyPem, 0o600);
  await writeFileAtomic(file('server.pem'), tls.serverPem, 0o644);
  await writeFileAtomic(file('server-key.pem'), tls.serverKeyPem, 0o600);
}

async function firstReadable(paths: string[]): Promise<string | undefined> {
  for (const p of paths) {
    const text = await readIfExists(p);
    if (text !== undefined) return text;
  }
  return undefined;
}

function stringField(host: DockerMachineHost, field: string): string | undefined {
  const value = host.Driver[field];
  return typeof value === 'string' ? value : undefined;
}
