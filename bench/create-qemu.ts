/**
 * Time from `machine create --driver qemu` to the engine answering, per phase, for an image with the
 * engine inside (`--engine-install none`) and one without (`--engine-install distro`), under TCG.
 * The image is served over HTTP on 127.0.0.1; the first create downloads it (reported apart).
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

async function timeCreate(store: string, variant: 'engine' | 'base', install: string, name: string): Promise<void> {
  const imageDir = await ensureImage(variant);
  const manifest = JSON.parse(await fs.readFile(path.join(imageDir, 'manifest.json'), 'utf8')) as { append: string };
  const server = await serveImage(path.join(imageDir, 'disk.qcow2'));
  const env = { ...process.env, MACHINE_STORAGE_PATH: store };
  try {
    const started = Date.now();
    const { stdout } = await run(
      process.execPath,
      [
        machineBin, 'create', '--json', '--driver', 'qemu', '--qemu-image', server.imageUrl,
        '--qemu-kernel', path.join(imageDir, 'vmlinuz'), '--qemu-initrd', path.join(imageDir, 'initrd.img'), '--qemu-append', manifest.append,
        '--qemu-accel', 'tcg', '--engine-install', install, name,
      ],
      { env, maxBuffer: 16 * 1024 * 1024 },
    );
    const wallMs = Date.now() - started;
    const result = JSON.parse(stdout) as { timings: Array<{ phase: string; ms: number }> };
    console.log(`qemu create, ${variant} image, --engine-install ${install}: ${(wallMs / 1000).toFixed(1)} s wall`);
    printPhases(result.timings);
    await run(process.execPath, [machineBin, 'rm', '-y', name], { env });
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-bench-qemu-'));
  try {
    await timeCreate(store, 'engine', 'none', 'bench-engine');
    await timeCreate(store, 'engine', 'none', 'bench-engine-cached');
    if (process.env.BENCH_SKIP_DISTRO !== '1') await timeCreate(store, 'base', 'distro', 'bench-distro');
  } finally {
    await fs.rm(store, { recursive: true, force: true });
  }
}

runBenchmark(main);
