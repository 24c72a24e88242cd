import type { EngineOptions } from '../core/machine-record';
import { MachineError, UsageError } from '../core/errors';
import { DOCKERD_ON_HOST, DROP_IN_PATH, REMOTE_CERT_PATHS, renderDockerdDropIn } from './dockerd-config';
import type { OsRelease } from './os-release';
import type { ScriptFile } from './script-bundle';

/** What provisionHost needs from the caller; certificates are PEM text, the repo key armored text. */
export interface ProvisionInput {
  machineName: string;
  driverName: string;
  engine: EngineOptions;
  /**
   * The server certificate, its key and the CA for a host reporting these addresses. Absent for the
   * ssh transport, where dockerd serves no TLS.
   */
  serverTlsFor?: (hostAddresses: string[]) => Promise<ServerTls>;
  repoKeyArmored?: string;
  /**
   * The host booted from a provisioned image of this very engine recipe: install-engine is skipped,
   * there is nothing to install (configure-engine finds dockerd itself).
   */
  engineInImage?: boolean;
}

/** PEM text of dockerd's server side of mutual TLS. */
export interface ServerTls {
  certPem: string;
  keyPem: string;
  caCertPem: string;
}

/** A key that has already been checked client-side (its fingerprint computed or compared to a pin). */
export interface RepositoryKey {
  armored: string;
  fingerprint: string;
}

/** One file to put in the staging folder, by path relative to it. */
export interface StagedFile {
  relativePath: string;
  content: string;
  mode: number;
}

/** One script to run as root, with its environment. */
export interface ScriptRun {
  step: string;
  script: string;
  env: Record<string, string>;
}

export const STAGED = {
  caCert: 'ca.pem',
  serverCert: 'server.pem',
  serverKey: 'server-key.pem',
  dropIn: '10-machine.conf',
  repoKey: 'engine-repo-key.asc',
} as const;

/** run-steps.sh runs the steps of one provision in one root shell; see provisionHost. */
export const RUN_STEPS_SCRIPT = 'run-steps.sh';

/**
 * Where configure-engine.sh installs the staged engine files on the host. A machine booting from a
 * provisioned image gets the same files at first boot (the seed writes them), so that provisioning
 * then finds them in place and leaves dockerd running.
 */
export const ENGINE_HOST_FILES = {
  caCert: REMOTE_CERT_PATHS.ca,
  serverCert: REMOTE_CERT_PATHS.cert,
  serverKey: REMOTE_CERT_PATHS.key,
  dropIn: DROP_IN_PATH,
} as const;

/** Files that exist before any script runs: the scripts, the TLS material and the repository key. */
export function stagedFiles(serverTls: ServerTls | undefined, scripts: ScriptFile[], repoKey: RepositoryKey | undefined): StagedFile[] {
  const files: StagedFile[] = scripts.map((s) => ({ relativePath: s.relativePath, content: s.content, mode: 0o644 }));
  if (serverTls) {
    files.push(
      { relativePath: STAGED.caCert, content: serverTls.caCertPem, mode: 0o644 },
      { relativePath: STAGED.serverCert, content: serverTls.certPem, mode: 0o644 },
      { relativePath: STAGED.serverKey, content: serverTls.keyPem, mode: 0o600 },
    );
  }
  if (repoKey) files.push({ relativePath: STAGED.repoKey, content: repoKey.armored, mode: 0o600 });
  return files;
}

export function setHostnameRun(input: ProvisionInput, stagingDir: string): ScriptRun {
  return { step: 'set-hostname', script: `${stagingDir}/set-hostname.sh`, env: { MACHINE_HOSTNAME: input.machineName } };
}

/**
 * The environment of install-engine.sh. For `docker` the repository is Docker's, in the flavour and
 * codename Docker publishes for this OS; for `repo` it is the user's, with the suite defaulting to the
 * host's codename.
 */
export function installEngineRun(engine: EngineOptions, os: OsRelease, stagingDir: string, repoKey: RepositoryKey | undefined): ScriptRun {
  const env: Record<string, string> = { ENGINE_INSTALL: engine.install };
  if (engine.version) env.ENGINE_VERSION = engine.version;
  if (engine.install === 'docker' || engine.install === 'repo') {
    if (!repoKey) throw new Error(`internal: no repository key for --engine-install ${engine.install}`);
    const target = dockerRepositoryTarget(os);
    const suite = engine.repoSuite ?? target.codename;
    if (!suite) throw noCodename(os);
    if (engine.install === 'repo' && !engine.repoUrl) {
      throw new UsageError('--engine-install repo needs --engine-repo-url', ['give the apt repository URL and its key: --engine-repo-url URL --engine-repo-key FILE.asc']);
    }
    env.ENGINE_REPO_URL = engine.install === 'repo' && engine.repoUrl ? engine.repoUrl : `https://download.docker.com/linux/${target.flavour}`;
    env.ENGINE_REPO_SUITE = suite;
    env.ENGINE_REPO_COMPONENT = engine.repoComponent ?? 'stable';
    env.ENGINE_REPO_KEY_FILE = `${stagingDir}/${STAGED.repoKey}`;
    env.ENGINE_REPO_KEY_FINGERPRINT = repoKey.fingerprint;
    env.OS_ID = target.flavour;
    if (target.codename) env.OS_CODENAME = target.codename;
  }
  // Where install-engine.sh tells configure-engine.sh that packages changed (dockerd must restart).
  env.ENGINE_STAGING_DIR = stagingDir;
  return { step: 'install-engine', script: `${stagingDir}/install-engine.sh`, env };
}

/**
 * The drop-in and the run that installs it. The drop-in is rendered before the host has said where
 * dockerd is (install-engine runs in the same root shell), so it names dockerd as DOCKERD_ON_HOST and
 * configure-engine.sh puts in the path it finds.
 */
export function configureEngineRun(input: ProvisionInput, stagingDir: string): { dropIn: StagedFile; run: ScriptRun } {
  const content = renderDockerdDropIn({ engine: input.engine, driverName: input.driverName, dockerdPath: DOCKERD_ON_HOST });
  const env: Record<string, string> = input.serverTlsFor
    ? { ENGINE_TRANSPORT: 'tls', ENGINE_PORT: String(input.engine.port), ENGINE_STAGING_DIR: stagingDir }
    : { ENGINE_TRANSPORT: 'ssh', ENGINE_STAGING_DIR: stagingDir };
  return {
    dropIn: { relativePath: STAGED.dropIn, content, mode: 0o644 },
    run: { step: 'configure-engine', script: `${stagingDir}/configure-engine.sh`, env },
  };
}

export type DockerRepoFlavour = 'debian' | 'ubuntu' | 'raspbian';

/**
 * Docker publishes repositories per distribution and codename. Derivatives use their parent's: Mint and
 * Pop!_OS name their Ubuntu base in UBUNTU_CODENAME, LMDE its Debian base in DEBIAN_CODENAME.
 */
export function dockerRepositoryTarget(os: OsRelease): { flavour: DockerRepoFlavour; codename?: string } {
  if (os.id === 'debian' || os.id === 'ubuntu' || os.id === 'raspbian') return withCodename(os.id, os.versionCodename);
  if (os.idLike.includes('ubuntu')) return withCodename('ubuntu', os.ubuntuCodename ?? os.versionCodename);
  return withCodename('debian', os.debianCodename ?? os.versionCodename);
}

function withCodename(flavour: DockerRepoFlavour, codename: string | undefined): { flavour: DockerRepoFlavour; codename?: string } {
  return codename ? { flavour, codename } : { flavour };
}

function noCodename(os: OsRelease): MachineError {
  return new MachineError(`cannot tell which release of Docker's repository fits ${os.prettyName ?? os.id}: /etc/os-release has no VERSION_CODENAME`, {
    code: 'UNSUPPORTED_OS',
    suggestions: ['name the suite with --engine-repo-suite (e.g. bookworm)', "or use the distribution's engine: --engine-install distro"],
  });
}
