/**
 * Time from `machine create --driver qemu` to the engine answering, per phase, under TCG: the first
 * create of an image (downloads it, provisions from scratch, then seals its disk as a provisioned
 * image and boots again from it), the second (boots from that provisioned image and does only the
 * per-machine work), and, unless BENCH_SKIP_DISTRO=1, a create that installs the distribution's engine.
 * The image is served over HTTP on 127.0.0.1. BENCH_NO_IMAGE_CACHE=1 times both with --no-image-cache;
 * BENCH_SKIP_ENGINE=1 leaves out the image that has the engine already.
 *   node dist/bench/create-qemu.js            (after npm run build)
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ensureImage } from '../test/e2e/harness/vm';
import { serveImage } from '../test/e2e/helpers/image-server';
import { printPhases, runBenchmark } from './report';

const run = promisify(execFile);
const machineBin = path.join(__dirname, '..', '..', 'bin', 'run.js');
const noImageCache = process.env.BENCH_NO_IMAGE_CACHE === '1';

async function timeCreate(label: string, store: string, variant: 'engine' | 'base', install: string, name: string): Promise<void> {
  const imageDir = await ensureImage(variant);
  const manifest = JSON.parse(await fs.readFile(path.join(imageDir, 'manifest.json'), 'utf8')) as { append: string };
  const server = await serveImage(path.join(imageDir, 'disk.qcow2'));
  const env = { ...process.env, MACHINE_STORAGE_PATH: store };
  try {
    const started = Date.now();
    const { stdout, stderr } = await run(
      process.execPath,
      [
        machineBin, 'create', '--json', '--driver', 'qemu', '--qemu-image', server.imageUrl,
        '--qemu-kernel', path.join(imageDir, 'vmlinuz'), '--qemu-initrd', path.join(imageDir, 'initrd.img'), '--qemu-append', manifest.append,
        '--qemu-accel', 'tcg', '--engine-install', install, ...(noImageCache ? ['--no-image-cache'] : []), name,
      ],
      { env, maxBuffer: 16 * 1024 * 1024 },
    );
    const wallMs = Date.now() - started;
    const result = JSON.parse(stdout) as { timings: Array<{ phase: string; ms: number }> };
    console.log(`qemu create, ${label}, ${variant} image, --engine-install ${install}: ${(wallMs / 1000).toFixed(1)} s wall`);
    for (const note of imageCacheNotes(stderr)) console.log(`  (${note})`);
    printPhases(result.timings);
    // Whether dockerd was restarted, started or left alone, as provisioning logged it.
    const log = await fs.readFile(path.join(store, 'machines', name, 'provision.log'), 'utf8').catch(() => '');
    for (const line of log.split('\n').filter((l) => /engine: (restarted|started|unchanged)/.test(l))) console.log(`  provision.log: ${line.trim()}`);
    await run(process.execPath, [machineBin, 'rm', '-y', name], { env });
  } finally {
    await server.close();
  }
}

/** The progress notes about the provisioned image: whether this create booted from one or made one. */
function imageCacheNotes(stderr: string): string[] {
  return stderr
    .split('\n')
    .flatMap((line) => {
      try {
        const event = JSON.parse(line) as { event?: string; message?: string };
        return event.event === 'note' && event.message && /provisioned image/.test(event.message) ? [event.message] : [];
      } catch {
        return [];
      }
    });
}

async function main(): Promise<void> {
  const store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-bench-qemu-'));
  try {
    if (process.env.BENCH_SKIP_ENGINE !== '1') {
      await timeCreate('first', store, 'engine', 'none', 'bench-engine');
      await timeCreate('second', store, 'engine', 'none', 'bench-engine-cached');
    }
    if (process.env.BENCH_SKIP_DISTRO !== '1') {
      await timeCreate('first', store, 'base', 'distro', 'bench-distro');
      await timeCreate('second', store, 'base', 'distro', 'bench-distro-cached');
    }
  } finally {
    await fs.rm(store, { recursive: true, force: true });
  }
}

runBenchmark(main);
