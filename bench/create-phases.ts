/**
 * Per-phase times of `machine create --driver generic` against a VM whose engine is already
 * installed (the image variant `engine`, `--engine-install none`), as the user runs it: a separate
 * process, JSON result parsed for the phase timings. Prints the figures; asserts nothing. Round 1
 * meets a dockerd the boot may still be starting; later rounds are the ready host.
 *   node dist/bench/create-phases.js            (after npm run build)
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { findFreePorts } from '../test/e2e/harness/free-port';
import { bootVm, generateTestKeyPair } from '../test/e2e/harness/vm';
import { printPhases, runBenchmark } from './report';

const run = promisify(execFile);
const machineBin = path.join(__dirname, '..', '..', 'bin', 'run.js');
const ROUNDS = Number(process.env.BENCH_CREATE_ROUNDS || 2);

interface CreateJson {
  timings: Array<{ phase: string; ms: number }>;
  totalMs: number;
}

async function main(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-bench-create-'));
  const keyFile = path.join(work, 'id_ed25519');
  const keys = generateTestKeyPair();
  await fs.writeFile(keyFile, keys.privateKey, { mode: 0o600 });
  const [enginePort] = await findFreePorts(1);
  const vm = await bootVm({ variant: 'engine', name: 'bench-host', authorizedKey: keys.publicKey, privateKey: keys.privateKey, forwardPorts: [enginePort] });
  console.log(`VM boot to SSH login: ${(vm.bootMs / 1000).toFixed(1)} s (TCG)`);
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      // A fresh store each round, so the CA is made every time, as on a first create.
      const store = path.join(work, `store-${round}`);
      const started = Date.now();
      const { stdout } = await run(
        process.execPath,
        [
          machineBin, 'create', '--json', '--driver', 'generic',
          '--generic-ip-address', '127.0.0.1', '--generic-ssh-port', String(vm.sshPort),
          '--generic-ssh-user', 'admin', '--generic-ssh-key', keyFile, '--generic-engine-port', String(enginePort),
          // A label of its own each round: the drop-in differs from the last round's, so every round
          // installs it and has systemd reload, as on a host machine has never provisioned.
          '--engine-install', 'none', '--engine-label', `bench-round=${round}`, `bench${round}`,
        ],
        { env: { ...process.env, MACHINE_STORAGE_PATH: store }, maxBuffer: 16 * 1024 * 1024 },
      );
      const wallMs = Date.now() - started;
      const result = JSON.parse(stdout) as CreateJson;
      console.log(`create round ${round}: ${(wallMs / 1000).toFixed(2)} s wall (engine present, --engine-install none)`);
      printPhases(result.timings);
      // Where provisioning spends its time, step by step (each line is stamped with seconds since it began).
      const log = await fs.readFile(path.join(store, 'machines', `bench${round}`, 'provision.log'), 'utf8');
      for (const line of log.split('\n').filter((l) => /^\[.*\] (---|::phase|::step|engine:)/.test(l))) console.log(`    ${line}`);
      await run(process.execPath, [machineBin, 'rm', '-y', `bench${round}`], { env: { ...process.env, MACHINE_STORAGE_PATH: store } });
    }
  } finally {
    await vm.stop();
    await fs.rm(work, { recursive: true, force: true });
  }
}

runBenchmark(main);
