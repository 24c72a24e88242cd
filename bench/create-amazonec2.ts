/**
 * `machine create --driver amazonec2` against the local EC2 endpoint (real SDK, real VM under TCG):
 * time per phase, the EC2 calls it took (throttling budgets are per call), and `rm` time and calls.
 *   node dist/bench/create-amazonec2.js            (after npm run build)
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startFakeEc2 } from '../test/e2e/harness/ec2-endpoint';
import { printPhases, runBenchmark } from './report';

const run = promisify(execFile);
const machineBin = path.join(__dirname, '..', '..', 'bin', 'run.js');

function callsSince(requests: Array<{ action: string }>, from: number): string {
  const counts = new Map<string, number>();
  for (const r of requests.slice(from)) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
  return [...counts].map(([action, n]) => `${action} ${n}`).join(', ');
}

async function main(): Promise<void> {
  const credentials = { accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64') };
  const fake = await startFakeEc2({ region: 'us-east-1', ...credentials, vmVariant: 'engine' });
  const store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-bench-ec2-'));
  const env = { ...process.env, MACHINE_STORAGE_PATH: store, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' };
  try {
    const started = Date.now();
    const { stdout } = await run(process.execPath, [machineBin, 'create', '--json', '--driver', 'amazonec2', '--amazonec2-endpoint', fake.endpoint, '--engine-install', 'none', 'bench-ec2'], { env, maxBuffer: 16 * 1024 * 1024 });
    const result = JSON.parse(stdout) as { timings: Array<{ phase: string; ms: number }> };
    console.log(`amazonec2 create (local EC2 endpoint, TCG VM, --engine-install none): ${((Date.now() - started) / 1000).toFixed(1)} s wall`);
    printPhases(result.timings);
    console.log(`  EC2 calls: ${fake.requests.length} (${callsSince(fake.requests, 0)})`);

    const beforeLs = fake.requests.length;
    const lsStarted = Date.now();
    await run(process.execPath, [machineBin, 'ls'], { env });
    console.log(`machine ls with one EC2 machine: ${Date.now() - lsStarted} ms, EC2 calls: ${callsSince(fake.requests, beforeLs)}`);

    const beforeRm = fake.requests.length;
    const rmStarted = Date.now();
    await run(process.execPath, [machineBin, 'rm', '-y', 'bench-ec2'], { env });
    console.log(`machine rm: ${((Date.now() - rmStarted) / 1000).toFixed(1)} s, EC2 calls: ${callsSince(fake.requests, beforeRm)}`);
  } finally {
    await fake.close();
    await fs.rm(store, { recursive: true, force: true });
  }
}

runBenchmark(main);
