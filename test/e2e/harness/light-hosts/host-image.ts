import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runProcess } from '../../../../src/util/run-process';
import { packageRoot } from '../../../../src/provision/package-root';
import { testCacheDir } from '../cache-dir';
import { ensureImage } from '../vm';
import type { TestDockerd } from './dockerd';

// From the package root, so the compiled copy (dist/, which a bench runs) finds the script too.
const PREPARE_SCRIPT = path.join(packageRoot(__dirname), 'test', 'e2e', 'harness', 'light-hosts', 'prepare-image.sh');
const BUILD_TIMEOUT_MS = 20 * 60_000;

/**
 * The light hosts' image in `dockerd`: the harness's Debian `engine` VM image (systemd, sshd, docker.io)
 * imported with `docker import` (no registry is reachable here) and prepared by prepare-image.sh.
 *
 * Cached by content: the key hashes the VM image's cache entry (itself named by the hash of its build
 * script) and prepare-image.sh; the prepared image is kept as a `docker save` archive, which a fresh
 * daemon loads in seconds instead of converting, mounting and importing the disk again.
 */
export async function ensureLightHostImage(dockerd: TestDockerd): Promise<string> {
  const vmImageDir = await ensureImage('engine');
  const key = createHash('sha256').update(path.basename(vmImageDir)).update(await fs.readFile(PREPARE_SCRIPT)).digest('hex').slice(0, 16);
  const tag = `machine-test/light-host:${key}`;
  const cacheDir = path.join(testCacheDir(), 'light-hosts');
  const archive = path.join(cacheDir, `light-host-${key}.tar`);
  if (!existsSync(archive)) await buildArchive(dockerd, path.join(vmImageDir, 'disk.qcow2'), tag, archive);
  else await dockerd.docker(['load', '--quiet', '--input', archive], { timeoutMs: BUILD_TIMEOUT_MS });
  return tag;
}

async function buildArchive(dockerd: TestDockerd, qcow2: string, tag: string, archive: string): Promise<void> {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-light-image-'));
  const raw = path.join(scratch, 'disk.raw');
  const mnt = path.join(scratch, 'mnt');
  const raw_tag = `${tag}-raw`;
  const prep = `machine-light-prepare-${randomBytes(4).toString('hex')}`;
  let mounted = false;
  try {
    await fs.mkdir(mnt);
    await runProcess('qemu-img', ['convert', '-O', 'raw', qcow2, raw], { timeoutMs: BUILD_TIMEOUT_MS });
    await runProcess('mount', ['-o', 'loop,ro', raw, mnt], { timeoutMs: 60_000 });
    mounted = true;
    // The disk's whole tree, as the VM sees it, becomes the image's one layer.
    await runProcess('bash', ['-c', 'set -o pipefail; tar -C "$1" -c . | docker -H "$2" import - "$3" >/dev/null', 'import', mnt, dockerd.host, raw_tag], { timeoutMs: BUILD_TIMEOUT_MS });
    await dockerd.docker(['run', '--name', prep, '-v', `${PREPARE_SCRIPT}:/prepare-image.sh:ro`, raw_tag, '/bin/sh', '/prepare-image.sh'], { timeoutMs: 120_000 });
    await dockerd.docker(['commit', '--change', 'CMD ["/sbin/init"]', prep, tag]);
    await fs.mkdir(path.dirname(archive), { recursive: true });
    const partial = `${archive}.${process.pid}.partial`;
    await dockerd.docker(['save', '--output', partial, tag], { timeoutMs: BUILD_TIMEOUT_MS });
    // Renamed into place: a concurrent or killed build never leaves a half-written archive under the key.
    await fs.rename(partial, archive);
  } finally {
    await dockerd.docker(['rm', '-f', prep], { allowNonZeroExit: true });
    await dockerd.docker(['rmi', raw_tag], { allowNonZeroExit: true });
    if (mounted) await runProcess('umount', [mnt], { timeoutMs: 60_000, allowNonZeroExit: true });
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
