/**
 * The main job, end to end, for the README's first command: `machine create --driver qemu` makes a
 * local VM from a Debian image (served over HTTP on 127.0.0.1, so the real download, checksum and
 * cache run), installs the distribution's engine in it, secures it with mutual TLS, and the real
 * docker CLI runs a container there through `eval "$(machine env demo)"`. Everything is removed after.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildBusyboxRootfsTar } from './harness/busybox-image';
import { ensureImage } from './harness/vm';
import { serveImage } from './helpers/image-server';

const repoRoot = path.join(__dirname, '..', '..', '..');
const machineBin = path.join(repoRoot, 'bin', 'run.js');

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-demo-'));
  const binDir = path.join(repoRoot, 'test', 'e2e', 'helpers', 'bin');
  const env = { ...process.env, MACHINE_STORAGE_PATH: path.join(work, 'store'), PATH: `${binDir}:${process.env.PATH ?? ''}` };

  console.log('==> preparing a Debian bookworm image (built once from Debian packages, then cached)');
  const [imageDir, busyboxTar] = await Promise.all([ensureImage('base'), buildBusyboxRootfsTar()]);
  const manifest = JSON.parse(await fs.readFile(path.join(imageDir, 'manifest.json'), 'utf8')) as { append: string };
  const server = await serveImage(path.join(imageDir, 'disk.qcow2'));
  try {
    const createArgs = [
      machineBin, 'create', '--driver', 'qemu',
      '--qemu-image', server.imageUrl,
      '--qemu-kernel', path.join(imageDir, 'vmlinuz'), '--qemu-initrd', path.join(imageDir, 'initrd.img'), '--qemu-append', manifest.append,
      // Nested KVM hangs on this kind of machine; TCG is slower but works everywhere.
      '--qemu-accel', process.env.DEMO_QEMU_ACCEL ?? 'tcg',
      // Docker's own repository is out of reach here; the distribution's engine is not.
      '--engine-install', 'distro',
      'demo',
    ];
    console.log(`==> machine ${createArgs.slice(1).join(' ')}`);
    if ((await run(process.execPath, createArgs, env)) !== 0) return 1;

    const script = [
      'set -e',
      // A failing `machine env` must stop the demo: eval of nothing would leave docker on another engine.
      'env_script="$(machine env demo)"',
      'eval "$env_script"',
      'echo "==> DOCKER_HOST=$DOCKER_HOST"',
      `docker import ${busyboxTar} machine-demo/busybox:latest >/dev/null`,
      'docker run --rm machine-demo/busybox:latest echo "hello from a container in the machine \\"demo\\", over mutual TLS"',
      'machine ls',
    ].join('\n');
    const code = await run('bash', ['-c', script], env);
    await run(process.execPath, [machineBin, 'rm', '-y', 'demo'], env);
    return code;
  } finally {
    await server.close();
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
