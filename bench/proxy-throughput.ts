/**
 * Throughput of `docker save` of a 100 MB image from a machine, through `machine proxy`'s socket (one
 * SSH connection, direct-streamlocal to docker.sock) against the direct mutual-TLS port, on the same VM
 * and engine, interleaved round by round. Prints MB/s and medians; asserts nothing.
 *   node dist/bench/proxy-throughput.js          (after npm run build; boots one VM under TCG)
 * BENCH_IMAGE_MB sets the image's size (default 100), BENCH_ROUNDS the rounds (default 3).
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { buildBusyboxRootfsTar } from '../test/e2e/harness/busybox-image';
import { findFreePorts } from '../test/e2e/harness/free-port';
import { bootVm, generateTestKeyPair } from '../test/e2e/harness/vm';
import { runBenchmark } from './report';

const machineBin = path.join(__dirname, '..', '..', 'bin', 'run.js');
const IMAGE_MB = Number(process.env.BENCH_IMAGE_MB || 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const IMAGE = 'machine-bench/big:latest';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function machine(store: string, args: string[]): string {
  const result = spawnSync(process.execPath, [machineBin, ...args], { env: { ...process.env, MACHINE_STORAGE_PATH: store }, encoding: 'utf8', maxBuffer: 16 << 20 });
  if (result.status !== 0) throw new Error(`machine ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

/** The variables of `machine env` (bash form), applied to a copy of our environment. */
function envOf(store: string, name: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DOCKER_CONTEXT;
  for (const match of machine(store, ['env', '--shell', 'bash', name]).matchAll(/^export (\w+)="([^"]*)"$/gm)) env[match[1]] = match[2];
  return env;
}

/** Seconds `docker save` takes to stream the image to nowhere, and the bytes it streamed. */
function timeSave(env: NodeJS.ProcessEnv): { seconds: number; bytes: number } {
  const started = process.hrtime.bigint();
  const result = spawnSync('docker', ['save', IMAGE], { env, maxBuffer: (IMAGE_MB + 64) << 20 });
  if (result.status !== 0) throw new Error(`docker save failed: ${result.stderr.toString()}`);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes: result.stdout.length };
}

/** `machine proxy` in the background until its DOCKER_HOST line appears. */
async function startProxy(store: string, name: string, socketPath: string): Promise<ChildProcessByStdio<null, Readable, Readable>> {
  const proxy = spawn(process.execPath, [machineBin, 'proxy', name, '--socket', socketPath], { env: { ...process.env, MACHINE_STORAGE_PATH: store }, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proxy.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve();
    });
    proxy.on('exit', (code) => reject(new Error(`machine proxy exited with ${code}`)));
  });
  return proxy;
}

async function main(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-bench-proxy-'));
  const store = path.join(work, 'store');
  const keyFile = path.join(work, 'id_ed25519');
  const keys = generateTestKeyPair();
  await fs.writeFile(keyFile, keys.privateKey, { mode: 0o600 });
  const [enginePort] = await findFreePorts(1);
  const [vm, busyboxTar] = await Promise.all([
    bootVm({ variant: 'engine', name: 'bench-proxy', authorizedKey: keys.publicKey, privateKey: keys.privateKey, forwardPorts: [enginePort], memoryMb: 1024 }),
    buildBusyboxRootfsTar(),
  ]);
  let proxy: ChildProcessByStdio<null, Readable, Readable> | undefined;
  try {
    const name = 'bench-proxy';
    machine(store, [
      'create', '--driver', 'generic', '--generic-ip-address', '127.0.0.1', '--generic-ssh-port', String(vm.sshPort),
      '--generic-ssh-user', 'admin', '--generic-ssh-key', keyFile, '--generic-engine-port', String(enginePort), '--engine-install', 'none', name,
    ]);
    const tlsEnv = envOf(store, name);

    // busybox plus a file of random bytes (incompressible, as a real layer's binaries mostly are).
    const imageTar = path.join(work, 'big.tar');
    await fs.copyFile(busyboxTar, imageTar);
    const blobDir = path.join(work, 'blob');
    await fs.mkdir(blobDir);
    const blob = await fs.open(path.join(blobDir, 'blob.bin'), 'w');
    for (let mb = 0; mb < IMAGE_MB; mb++) await blob.write(randomBytes(1 << 20));
    await blob.close();
    const appended = spawnSync('tar', ['-rf', imageTar, '-C', blobDir, 'blob.bin']);
    if (appended.status !== 0) throw new Error(`tar failed: ${appended.stderr.toString()}`);
    const imported = spawnSync('docker', ['import', imageTar, IMAGE], { env: tlsEnv, encoding: 'utf8' });
    if (imported.status !== 0) throw new Error(`docker import failed: ${imported.stderr}`);

    const socketPath = path.join(work, 'proxy.sock');
    proxy = await startProxy(store, name, socketPath);
    const proxyEnv: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${socketPath}` };
    for (const variable of ['DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']) delete proxyEnv[variable];

    // One unmeasured save each: the engine's own caches, not the first sample, pay for the first read.
    timeSave(tlsEnv);
    timeSave(proxyEnv);
    const direct: number[] = [];
    const proxied: number[] = [];
    let bytes = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const viaTls = timeSave(tlsEnv);
      const viaProxy = timeSave(proxyEnv);
      bytes = viaTls.bytes;
      direct.push(viaTls.seconds);
      proxied.push(viaProxy.seconds);
      console.log(`round ${round}: direct mTLS ${viaTls.seconds.toFixed(2)} s, machine proxy ${viaProxy.seconds.toFixed(2)} s`);
    }
    const mb = bytes / (1 << 20);
    const rate = (seconds: number) => `${(mb / seconds).toFixed(1)} MB/s`;
    console.log(`docker save of ${mb.toFixed(1)} MB (VM under TCG, ${os.cpus().length} host cores, load ${os.loadavg()[0].toFixed(1)}):`);
    console.log(`  direct mutual TLS    median ${median(direct).toFixed(2)} s  ${rate(median(direct))}`);
    console.log(`  machine proxy (SSH)  median ${median(proxied).toFixed(2)} s  ${rate(median(proxied))}`);
    console.log(`  proxy / direct       ${(median(proxied) / median(direct)).toFixed(2)}x the time`);
  } finally {
    proxy?.kill('SIGTERM');
    await vm.stop();
    await fs.rm(work, { recursive: true, force: true });
  }
}

runBenchmark(main);
