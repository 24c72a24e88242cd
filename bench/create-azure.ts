/**
 * `machine create --driver azure` against the local Azure control plane (real SDK, real credential
 * flow, real VM under TCG): time per phase, the Resource Manager calls it took by kind (throttling
 * budgets count every call, polls included), the tokens it asked for, and `rm` time and calls.
 *   node dist/bench/create-azure.js            (after npm run build)
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startLocalAzure } from '../test/e2e/harness/azure-endpoint';
import { printPhases, runBenchmark } from './report';

const run = promisify(execFile);
const machineBin = path.join(__dirname, '..', '..', 'bin', 'run.js');

function callsSince(requests: Array<{ operation: string }>, from: number): string {
  const counts = new Map<string, number>();
  for (const r of requests.slice(from)) counts.set(r.operation, (counts.get(r.operation) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([operation, n]) => `${operation} ${n}`).join(', ');
}

async function main(): Promise<void> {
  const principal = { tenantId: randomUUID(), clientId: randomUUID(), clientSecret: randomBytes(24).toString('base64') };
  const azure = await startLocalAzure({ subscriptionId: randomUUID(), principal, vmVariant: 'engine' });
  const store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-bench-azure-'));
  const env = { ...process.env, ...azure.environment(), MACHINE_STORAGE_PATH: store, AZURE_CONFIG_DIR: path.join(store, 'no-az-cli') };
  try {
    const started = Date.now();
    const { stdout } = await run(process.execPath, [machineBin, 'create', '--json', '--driver', 'azure', '--azure-endpoint', azure.armEndpoint, '--engine-install', 'none', 'bench-az'], { env, maxBuffer: 16 * 1024 * 1024 });
    const result = JSON.parse(stdout) as { timings: Array<{ phase: string; ms: number }> };
    console.log(`azure create (local control plane, TCG VM, --engine-install none): ${((Date.now() - started) / 1000).toFixed(1)} s wall`);
    printPhases(result.timings);
    console.log(`  ARM calls: ${azure.requests.length} (${callsSince(azure.requests, 0)})`);
    console.log(`  token requests: ${azure.tokenRequests.length} (${azure.tokenRequests.filter((t) => t.issued).length} tokens issued)`);

    const beforeLs = azure.requests.length;
    const lsStarted = Date.now();
    await run(process.execPath, [machineBin, 'ls'], { env });
    console.log(`machine ls with one Azure machine: ${Date.now() - lsStarted} ms, ARM calls: ${callsSince(azure.requests, beforeLs)}`);

    const beforeRm = azure.requests.length;
    const rmStarted = Date.now();
    await run(process.execPath, [machineBin, 'rm', '-y', 'bench-az'], { env });
    console.log(`machine rm: ${((Date.now() - rmStarted) / 1000).toFixed(1)} s, ARM calls: ${azure.requests.length - beforeRm} (${callsSince(azure.requests, beforeRm)})`);
    console.log(`  left behind: ${azure.leftovers().length} resources`);
  } finally {
    await azure.close();
    await fs.rm(store, { recursive: true, force: true });
  }
}

runBenchmark(main);
