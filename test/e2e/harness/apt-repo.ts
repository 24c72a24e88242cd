/**
 * A signed apt repository served on 127.0.0.1, holding Debian's own engine packages, for tests of
 * `--engine-install repo`: a repository we control, signed by a key we make, so tests can check both
 * "right key installs" and "wrong key is refused" without reaching any third-party server.
 */
import { createReadStream, existsSync, promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { testCacheDir } from './cache-dir';
import { trackScratchDir } from './child-reaper';
import { runProcess } from '../../../src/util/run-process';

export interface SignedAptRepoOptions {
  /** Debian package names to download and publish; default Debian's engine: docker.io, containerd, runc, tini. */
  packages?: string[];
  codename: 'bookworm';
  component: 'stable';
  /**
   * Packages also published in a second, newer version (the same files under the version with its
   * last number bumped), so a test can install the older one and upgrade to the newer.
   */
  alsoNewer?: string[];
}

/** The two versions of a package published when alsoNewer names it. */
export interface PublishedVersions {
  older: string;
  newer: string;
}

export interface SignedAptRepo {
  /** The repository as the GUEST sees it through QEMU user networking: http://10.0.2.2:PORT/ */
  url: string;
  /** The same repository as this machine sees it: http://127.0.0.1:PORT/ */
  hostUrl: string;
  /** Armored public key that signed the Release file. */
  keyPath: string;
  /** Armored public key of another key, which signed nothing here. */
  wrongKeyPath: string;
  /** Fingerprint of the signing key, 40 upper-case hex digits. */
  fingerprint: string;
  /** For each package of alsoNewer, its older and newer published versions. */
  versions: Record<string, PublishedVersions>;
  /** The signing key's armored public key at http://10.0.2.2:PORT/key.asc, for "key from a URL" cases. */
  keyUrl: string;
  close(): Promise<void>;
}

export const DEBIAN_ENGINE_PACKAGES = ['docker.io', 'containerd', 'runc', 'tini'];

/** The address under which a QEMU user-network guest reaches this machine's 127.0.0.1. */
const GUEST_VIEW_OF_HOST = '10.0.2.2';
/** apt-get talks to the package mirrors; the other tools work on a few local files. */
const APT_TIMEOUT_MS = 10 * 60_000;
const TOOL_TIMEOUT_MS = 2 * 60_000;

function debCacheDir(): string {
  return path.join(testCacheDir(), 'apt-debs');
}

async function cachedDebFor(dir: string, packageName: string): Promise<string | undefined> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  // apt-get download names files NAME_VERSION_ARCH.deb; the underscore stops "runc" matching "runc-foo".
  return names.find((name) => name.startsWith(`${packageName}_`) && name.endsWith('.deb'));
}

/**
 * Downloads the packages' .deb files once into the shared cache. Each download lands in a private temp
 * folder and is renamed in, so concurrent test runs never see a half-written file.
 */
async function ensureDebs(packages: string[]): Promise<string[]> {
  const cache = debCacheDir();
  await fs.mkdir(cache, { recursive: true });
  const missing: string[] = [];
  for (const name of packages) if (!(await cachedDebFor(cache, name))) missing.push(name);
  if (missing.length > 0) {
    const scratch = await fs.mkdtemp(path.join(cache, '.download-'));
    try {
      // apt-get download runs as the invoking user and writes into the current folder.
      await runProcess('apt-get', ['download', ...missing], { cwd: scratch, timeoutMs: APT_TIMEOUT_MS }).catch(async () => {
        // Stale package lists on this machine: refresh once and try again.
        await runProcess('apt-get', ['update', '-qq'], { timeoutMs: APT_TIMEOUT_MS });
        await runProcess('apt-get', ['download', ...missing], { cwd: scratch, timeoutMs: APT_TIMEOUT_MS });
      });
      for (const file of await fs.readdir(scratch)) await fs.rename(path.join(scratch, file), path.join(cache, file));
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
  }
  const files: string[] = [];
  for (const name of packages) {
    const file = await cachedDebFor(cache, name);
    if (!file) throw new Error(`apt-get download did not produce ${name}`);
    files.push(path.join(cache, file));
  }
  return files;
}

/**
 * Writes a copy of DEB into OUT_DIR whose control file says the next version: a .deb is an ar archive
 * of debian-binary, control.tar.* and data.tar.*, so only the control member is rebuilt.
 */
async function republishNewer(deb: string, outDir: string): Promise<{ name: string; versions: PublishedVersions; file: string }> {
  const scratch = await fs.mkdtemp(path.join(outDir, '.repack-'));
  try {
    await runProcess('ar', ['x', deb], { cwd: scratch, timeoutMs: TOOL_TIMEOUT_MS });
    const members = (await runProcess('ar', ['t', deb], { timeoutMs: TOOL_TIMEOUT_MS })).stdout.split('\n').filter(Boolean);
    const controlMember = members.find((m) => m.startsWith('control.tar'));
    if (!controlMember) throw new Error(`${deb} has no control member: ${members.join(' ')}`);
    const controlDir = path.join(scratch, 'control');
    await fs.mkdir(controlDir);
    await runProcess('tar', ['-xf', path.join(scratch, controlMember), '-C', controlDir], { timeoutMs: TOOL_TIMEOUT_MS });
    const control = await fs.readFile(path.join(controlDir, 'control'), 'utf8');
    const name = /^Package: (.+)$/m.exec(control)?.[1];
    const older = /^Version: (.+)$/m.exec(control)?.[1];
    const arch = /^Architecture: (.+)$/m.exec(control)?.[1];
    if (!name || !older || !arch || !/\d+$/.test(older)) throw new Error(`${deb}: cannot derive a newer version from its control file`);
    // Bumping the last number keeps the newer version out of the older one's prefix (install-engine's pin matching).
    const newer = older.replace(/(\d+)$/, (n) => String(Number(n) + 1));
    await fs.writeFile(path.join(controlDir, 'control'), control.replace(/^Version: .+$/m, `Version: ${newer}`));
    await fs.rm(path.join(scratch, controlMember));
    await runProcess('tar', ['--owner=0', '--group=0', '-czf', path.join(scratch, 'control.tar.gz'), '-C', controlDir, '.'], { timeoutMs: TOOL_TIMEOUT_MS });
    const file = path.join(outDir, `${name}_${newer}_${arch}.deb`);
    const rebuilt = members.map((m) => (m === controlMember ? 'control.tar.gz' : m));
    await runProcess('ar', ['rc', file, ...rebuilt], { cwd: scratch, timeoutMs: TOOL_TIMEOUT_MS });
    return { name, versions: { older, newer }, file };
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

async function gpg(gnupgHome: string, args: string[]): Promise<string> {
  const { stdout } = await runProcess('gpg', ['--batch', '--no-tty', '--quiet', ...args], { env: { ...process.env, GNUPGHOME: gnupgHome }, timeoutMs: TOOL_TIMEOUT_MS });
  return stdout;
}

/** Makes a passphrase-less signing key and returns its fingerprint. */
async function generateSigningKey(gnupgHome: string, userId: string): Promise<string> {
  await gpg(gnupgHome, ['--passphrase', '', '--quick-gen-key', userId, 'ed25519', 'sign', 'never']);
  const listing = await gpg(gnupgHome, ['--with-colons', '--list-keys', userId]);
  const fingerprint = listing
    .split('\n')
    .find((line) => line.startsWith('fpr:'))
    ?.split(':')[9];
  if (!fingerprint) throw new Error(`gpg made no key for ${userId}`);
  return fingerprint;
}

async function buildTree(root: string, debs: string[], codename: string, component: string): Promise<void> {
  const pool = path.join(root, 'pool', component);
  await fs.mkdir(pool, { recursive: true });
  for (const deb of debs) await fs.copyFile(deb, path.join(pool, path.basename(deb)));
  const binaryDir = path.join(root, 'dists', codename, component, 'binary-amd64');
  await fs.mkdir(binaryDir, { recursive: true });
  // Run from the tree root so the Filename: fields are relative to the repository URL.
  const { stdout: packagesIndex } = await runProcess('apt-ftparchive', ['packages', path.join('pool', component)], { cwd: root, timeoutMs: TOOL_TIMEOUT_MS });
  await fs.writeFile(path.join(binaryDir, 'Packages'), packagesIndex);
  await runProcess('gzip', ['-9', '-k', '-n', path.join(binaryDir, 'Packages')], { timeoutMs: TOOL_TIMEOUT_MS });
  const releaseFields = {
    Origin: 'machine-test',
    Label: 'machine-test',
    Suite: codename,
    Codename: codename,
    Components: component,
    Architectures: 'amd64',
    Description: 'machine end-to-end test repository',
  };
  const releaseArgs = Object.entries(releaseFields).flatMap(([field, value]) => ['-o', `APT::FTPArchive::Release::${field}=${value}`]);
  const distDir = path.join(root, 'dists', codename);
  // Written outside the folder it hashes, then moved in, so Release never lists itself.
  const { stdout: release } = await runProcess('apt-ftparchive', [...releaseArgs, 'release', distDir], { timeoutMs: TOOL_TIMEOUT_MS });
  await fs.writeFile(path.join(distDir, 'Release'), release);
}

async function signRelease(gnupgHome: string, fingerprint: string, distDir: string): Promise<void> {
  const release = path.join(distDir, 'Release');
  await gpg(gnupgHome, ['--yes', '--local-user', fingerprint, '--digest-algo', 'SHA256', '--clearsign', '--output', path.join(distDir, 'InRelease'), release]);
  await gpg(gnupgHome, ['--yes', '--local-user', fingerprint, '--digest-algo', 'SHA256', '--armor', '--detach-sign', '--output', path.join(distDir, 'Release.gpg'), release]);
}

function serveDirectory(root: string): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    const requestPath = decodeURIComponent(new URL(request.url ?? '/', 'http://repo').pathname);
    const filePath = path.join(root, path.normalize(requestPath));
    // path.normalize cannot climb above "/", but refuse anything outside root all the same.
    const inside = filePath === root || filePath.startsWith(root + path.sep);
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !inside) {
      response.writeHead(inside ? 405 : 403).end();
      return;
    }
    fs.stat(filePath).then(
      (stat) => {
        if (!stat.isFile()) {
          response.writeHead(404).end();
          return;
        }
        response.writeHead(200, { 'Content-Length': stat.size, 'Last-Modified': stat.mtime.toUTCString() });
        if (request.method === 'HEAD') response.end();
        else createReadStream(filePath).pipe(response);
      },
      () => response.writeHead(404).end(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** Builds, signs and serves the repository; close() stops the server and removes the keys and tree. */
export async function serveSignedAptRepo(options: SignedAptRepoOptions): Promise<SignedAptRepo> {
  const debs = await ensureDebs(options.packages ?? DEBIAN_ENGINE_PACKAGES);
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-apt-repo-'));
  const forgetWorkDir = trackScratchDir(workDir);
  const gnupgHome = path.join(workDir, 'gnupg');
  const root = path.join(workDir, 'repo');
  await fs.mkdir(gnupgHome, { mode: 0o700 });
  const stopAgent = async (): Promise<void> => {
    if (existsSync(gnupgHome)) await runProcess('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: gnupgHome }, timeoutMs: TOOL_TIMEOUT_MS }).catch(() => undefined);
  };
  try {
    const fingerprint = await generateSigningKey(gnupgHome, 'machine test repository <repo@machine-test.invalid>');
    const wrongFingerprint = await generateSigningKey(gnupgHome, 'machine test unrelated key <other@machine-test.invalid>');
    const versions: Record<string, PublishedVersions> = {};
    const published = [...debs];
    for (const wanted of options.alsoNewer ?? []) {
      const deb = debs.find((d) => path.basename(d).startsWith(`${wanted}_`));
      if (!deb) throw new Error(`alsoNewer names ${wanted}, which is not among the packages`);
      const newer = await republishNewer(deb, workDir);
      versions[newer.name] = newer.versions;
      published.push(newer.file);
    }
    await buildTree(root, published, options.codename, options.component);
    await signRelease(gnupgHome, fingerprint, path.join(root, 'dists', options.codename));
    const keyPath = path.join(workDir, 'repo-key.asc');
    const wrongKeyPath = path.join(workDir, 'wrong-key.asc');
    await fs.writeFile(keyPath, await gpg(gnupgHome, ['--armor', '--export', fingerprint]));
    await fs.writeFile(wrongKeyPath, await gpg(gnupgHome, ['--armor', '--export', wrongFingerprint]));
    await fs.copyFile(keyPath, path.join(root, 'key.asc'));
    // The secret keys are not needed once the Release file is signed.
    await stopAgent();
    const server = await serveDirectory(root);
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://${GUEST_VIEW_OF_HOST}:${port}/`,
      hostUrl: `http://127.0.0.1:${port}/`,
      keyUrl: `http://${GUEST_VIEW_OF_HOST}:${port}/key.asc`,
      keyPath,
      wrongKeyPath,
      fingerprint,
      versions,
      async close() {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await fs.rm(workDir, { recursive: true, force: true });
        forgetWorkDir();
      },
    };
  } catch (error) {
    await stopAgent();
    await fs.rm(workDir, { recursive: true, force: true });
    forgetWorkDir();
    throw error;
  }
}
