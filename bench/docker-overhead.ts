/**
 * What `machine docker NAME -- version` costs over plain `docker version` run with the same
 * environment (the variables `machine env NAME` prints): the median of N runs of each, and their
 * difference. Target: at most 120 ms. Prints the figures; asserts nothing.
 *   node dist/bench/docker-overhead.js                      (after npm run build)
 *   BENCH_MACHINE=dev1 node dist/bench/docker-overhead.js   (against a machine of your store)
 * Without BENCH_MACHINE, a throwaway store holds one generic machine without certificates, so both
 * commands fail the same way at once and the difference is our own overhead, not a network's.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runBenchmark } from './report';

const machineBin = path.join(__dirname, '..', '..', 'bin', 'run.js');
const RUNS = Number(process.env.BENCH_RUNS || 15);
const TARGET_MS = 120;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Wall time of one run, in ms; the exit code is not judged (the throwaway machine fails both the same way). */
function timeOnce(file: string, args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(file, args, { env, stdio: ['ignore', 'ignore', 'ignore'] });
  if (result.error) throw result.error;
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function throwawayStore(): Promise<{ store: string; name: string }> {
  const store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-bench-docker-'));
  const name = 'bench-docker';
  const dir = path.join(store, 'machines', name);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const record = {
    schemaVersion: 1, name, driver: 'generic', status: 'ready', createdAt: new Date().toISOString(),
    driverConfig: { ipAddress: '127.0.0.1', sshUser: 'admin', sshPort: 1, enginePort: 1 },
    driverState: {}, resources: [], ip: '127.0.0.1',
    ssh: { host: '127.0.0.1', port: 1, user: 'admin', useAgent: true },
    engine: { install: 'none', port: 1, labels: [], opts: [], env: [], insecureRegistries: [], registryMirrors: [] },
    tls: { keyType: 'ecdsa', sans: [] },
  };
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(record), { mode: 0o600 });
  return { store, name };
}

/** The environment `machine env NAME` gives, parsed from its bash output. */
function machineEnvironment(name: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const result = spawnSync(process.execPath, [machineBin, 'env', '--shell', 'bash', name], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`machine env ${name} failed: ${result.stderr}`);
  const set: NodeJS.ProcessEnv = { ...env };
  for (const match of result.stdout.matchAll(/^export (\w+)="([^"]*)"$/gm)) set[match[1]] = match[2];
  if (!set.DOCKER_HOST) throw new Error(`machine env printed no DOCKER_HOST:\n${result.stdout}`);
  return set;
}

async function main(): Promise<void> {
  const own = process.env.BENCH_MACHINE;
  const { store, name } = own ? { store: process.env.MACHINE_STORAGE_PATH ?? '', name: own } : await throwawayStore();
  const base: NodeJS.ProcessEnv = { ...process.env, ...(store ? { MACHINE_STORAGE_PATH: store } : {}) };
  delete base.DOCKER_CONTEXT;
  const dockerEnv = machineEnvironment(name, base);
  try {
    // One unmeasured run each: the page cache, not the first sample, should pay for loading files.
    timeOnce('docker', ['version'], dockerEnv);
    timeOnce(process.execPath, [machineBin, 'docker', name, '--', 'version'], base);
    const plain: number[] = [];
    const through: number[] = [];
    const nodeAlone: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Interleaved, so a burst of load from elsewhere on the machine hits both alike.
      plain.push(timeOnce('docker', ['version'], dockerEnv));
      through.push(timeOnce(process.execPath, [machineBin, 'docker', name, '--', 'version'], base));
      // The floor no wrapper written for Node can go below: starting Node itself.
      nodeAlone.push(timeOnce(process.execPath, ['-e', ''], base));
    }
    const overhead = median(through) - median(plain);
    console.log(`docker version                      median ${median(plain).toFixed(1)} ms (${RUNS} runs)`);
    console.log(`machine docker ${name} -- version  median ${median(through).toFixed(1)} ms (${RUNS} runs)`);
    console.log(`node -e '' (Node's own start)          median ${median(nodeAlone).toFixed(1)} ms (${RUNS} runs)`);
    console.log(`overhead ${overhead.toFixed(1)} ms (target <= ${TARGET_MS} ms): ${overhead <= TARGET_MS ? 'met' : 'NOT met'}`);
  } finally {
    if (!own) await fs.rm(store, { recursive: true, force: true });
  }
}

runBenchmark(main);
