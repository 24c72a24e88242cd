/**
 * The main job, end to end, for the README's first command: boot a local Debian VM (no engine in it),
 * make it a TLS-secured engine with `machine create --driver generic`, and run a container on it with
 * the real docker CLI through `eval "$(machine env demo)"`. Everything is cleaned up afterwards.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildBusyboxRootfsTar } from './harness/busybox-image';
import { findFreePorts } from './harness/free-port';
import { bootVm, generateTestKeyPair } from './harness/vm';

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
  const store = path.join(work, 'store');
  const keyFile = path.join(work, 'id_ed25519');
  const keys = generateTestKeyPair();
  await fs.writeFile(keyFile, keys.privateKey, { mode: 0o600 });
  const [enginePort] = await findFreePorts(1);
  const binDir = path.join(repoRoot, 'test', 'e2e', 'helpers', 'bin');
  const env = { ...process.env, MACHINE_STORAGE_PATH: store, PATH: `${binDir}:${process.env.PATH ?? ''}` };

  console.log('==> booting a Debian bookworm VM (QEMU; the image is built once and cached)');
  const [vm, busyboxTar] = await Promise.all([
    bootVm({ variant: 'base', name: 'demo-host', authorizedKey: keys.publicKey, privateKey: keys.privateKey, forwardPorts: [enginePort] }),
    buildBusyboxRootfsTar(),
  ]);
  try {
    console.log(`==> VM up in ${(vm.bootMs / 1000).toFixed(1)}s; SSH on 127.0.0.1:${vm.sshPort}`);
    const createArgs = [
      machineBin, 'create', '--driver', 'generic',
      '--generic-ip-address', '127.0.0.1', '--generic-ssh-port', String(vm.sshPort),
      '--generic-ssh-user', 'admin', '--generic-ssh-key', keyFile, '--generic-engine-port', String(enginePort),
      // Docker's own repository is out of reach here; the distribution's engine is not.
      '--engine-install', 'distro',
      'demo',
    ];
    console.log(`==> machine ${createArgs.slice(1).join(' ')}`);
    if ((await run(process.execPath, createArgs, env)) !== 0) return 1;

    const script = [
      'set -e',
      'eval "$(machine env demo)"',
      'echo "==> DOCKER_HOST=$DOCKER_HOST"',
      `docker import ${busyboxTar} machine-demo/busybox:latest >/dev/null`,
      'docker run --rm machine-demo/busybox:latest echo "hello from a container on $(machine ip demo), over mutual TLS"',
      'machine ls',
    ].join('\n');
    const code = await run('bash', ['-c', script], env);
    await run(process.execPath, [machineBin, 'rm', '-y', 'demo'], env);
    return code;
  } finally {
    await vm.stop();
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
