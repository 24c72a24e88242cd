/**
 * A tiny container root filesystem from Debian's busybox-static, for `docker import` in tests: no image
 * registry is reachable from the test machine, so tests make their image locally:
 *
 *   docker import TAR machine-test/busybox:latest
 *   docker run --rm machine-test/busybox:latest echo hello
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { testCacheDir } from './cache-dir';
import { runProcess } from '../../../src/util/run-process';

export const BUSYBOX_IMAGE_REF = 'machine-test/busybox:latest';

/** Where Debian's busybox-static puts its binary. */
const BUSYBOX_IN_PACKAGE = 'bin/busybox';
/** apt-get talks to the package mirrors; the other tools work on a few local files. */
const APT_TIMEOUT_MS = 10 * 60_000;
const TOOL_TIMEOUT_MS = 2 * 60_000;

/**
 * The static busybox binary: the installed busybox-static package's if present, otherwise extracted from a
 * freshly downloaded copy of that package (cached).
 */
async function busyboxBinary(cacheDir: string): Promise<string> {
  const installed = await runProcess('dpkg-query', ['-W', '-f', '${Status}', 'busybox-static'], { timeoutMs: TOOL_TIMEOUT_MS }).catch(() => undefined);
  if (installed?.stdout.includes('install ok installed') && existsSync(`/${BUSYBOX_IN_PACKAGE}`)) return `/${BUSYBOX_IN_PACKAGE}`;
  const extracted = path.join(cacheDir, 'busybox-static', BUSYBOX_IN_PACKAGE);
  if (existsSync(extracted)) return extracted;
  const scratch = await fs.mkdtemp(path.join(cacheDir, '.busybox-download-'));
  try {
    await runProcess('apt-get', ['download', 'busybox-static'], { cwd: scratch, timeoutMs: APT_TIMEOUT_MS });
    const deb = (await fs.readdir(scratch)).find((name) => name.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download busybox-static produced no .deb');
    await runProcess('dpkg-deb', ['-x', path.join(scratch, deb), path.join(scratch, 'root')], { timeoutMs: TOOL_TIMEOUT_MS });
    await fs.mkdir(path.dirname(extracted), { recursive: true });
    await fs.rename(path.join(scratch, 'root', BUSYBOX_IN_PACKAGE), extracted);
    return extracted;
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

async function populateRootfs(root: string, busybox: string): Promise<void> {
  for (const dir of ['bin', 'etc', 'dev', 'proc', 'sys', 'root', 'tmp', 'var']) await fs.mkdir(path.join(root, dir), { recursive: true });
  await fs.chmod(path.join(root, 'tmp'), 0o1777);
  await fs.copyFile(busybox, path.join(root, 'bin', 'busybox'));
  await fs.chmod(path.join(root, 'bin', 'busybox'), 0o755);
  // Every applet this busybox has (sh, echo, cat, ls, sleep, wget, nc, httpd...), as a symlink in /bin.
  const { stdout } = await runProcess(busybox, ['--list'], { timeoutMs: TOOL_TIMEOUT_MS });
  for (const applet of stdout.split('\n').map((line) => line.trim())) {
    if (applet === '' || applet === 'busybox' || applet.includes('/')) continue;
    await fs.symlink('busybox', path.join(root, 'bin', applet));
  }
  await fs.writeFile(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  await fs.writeFile(path.join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
}

/**
 * Path of a tar of the rootfs, cached by the busybox binary's hash (same binary, same tar; a new busybox,
 * a new file). Built in a temp folder and renamed into place, so parallel tests never read half a tar.
 */
export async function buildBusyboxRootfsTar(): Promise<string> {
  const cacheDir = path.join(testCacheDir(), 'busybox');
  await fs.mkdir(cacheDir, { recursive: true });
  const busybox = await busyboxBinary(cacheDir);
  const digest = createHash('sha256').update(await fs.readFile(busybox)).digest('hex').slice(0, 16);
  const tarPath = path.join(cacheDir, `busybox-rootfs-${digest}.tar`);
  if (existsSync(tarPath)) return tarPath;
  const scratch = await fs.mkdtemp(path.join(cacheDir, '.rootfs-'));
  try {
    const root = path.join(scratch, 'rootfs');
    await populateRootfs(root, busybox);
    const partial = path.join(scratch, 'rootfs.tar');
    // Owned by root inside the image whoever builds it; sorted and dated for a reproducible file.
    await runProcess('tar', ['--numeric-owner', '--owner=0', '--group=0', '--sort=name', '--mtime=@0', '-C', root, '-cf', partial, '.'], { timeoutMs: TOOL_TIMEOUT_MS });
    await fs.rename(partial, tarPath);
    return tarPath;
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
