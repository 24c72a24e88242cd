/**
 * A fleet created at once, as CI autoscalers do: FLEET_SIZE (default 50) separate `machine create`
 * processes started together against one store, through the local EC2 endpoint throttling 20% of all
 * calls, with light hosts (containers booted by systemd, on a dockerd of its own) as instances.
 * Prints: create wall time (first, median, last to finish), EC2 calls by kind, throttling retries, the
 * longest store lock hold, `ls` with 10 hosts not answering and `ls --cached`, then `rm` of all at once.
 *   npm run build && flock /work/heavy.lock node dist/bench/fleet.js
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startFakeEc2 } from '../test/e2e/harness/ec2-endpoint';
import { startLightHosts } from '../test/e2e/harness/light-hosts';
import { parseLockHolds } from '../src/core/store/lock-hold-log';
import type { Ec2CallLine } from '../drivers/amazonec2/call-log';
import { runBenchmark } from './report';
import { isolatedAwsEnv } from '../test/e2e/helpers/aws-env';

const run = promisify(execFile);
const machineBin = path.join(__dirname, '..', '..', 'bin', 'run.js');
const SIZE = Number(process.env.FLEET_SIZE ?? 50);
const UNREACHABLE = Math.min(10, SIZE);
const LS_TIMEOUT_S = 3;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

function countBy<T>(items: T[], key: (item: T) => string): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
}

async function main(): Promise<void> {
  const credentials = { accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64') };
  const hosts = await startLightHosts();
  const fake = await startFakeEc2({ region: 'us-east-1', ...credentials, backend: hosts.backend, pageSize: 1000, throttleShare: 0.2 });
  const store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-bench-fleet-'));
  const lockLog = `${store}-lock-holds.ndjson`;
  const callLog = `${store}-ec2-calls.ndjson`;
  const env = {
    ...process.env,
    MACHINE_STORAGE_PATH: store,
    DOCKER_CONFIG: path.join(store, 'docker-config'),
    ...isolatedAwsEnv(credentials, 'us-east-1'),
    MACHINE_LOCK_HOLD_LOG: lockLog,
    MACHINE_EC2_CALL_LOG: callLog,
  };
  const machine = async (args: string[]) => {
    const started = Date.now();
    const out = await run(process.execPath, [machineBin, ...args], { env, maxBuffer: 64 * 1024 * 1024 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
    );
    return { ...out, ms: Date.now() - started };
  };
  const names = Array.from({ length: SIZE }, (_, i) => `fleet${i}`);
  try {
    console.log(`fleet of ${SIZE}: local EC2 endpoint throttling 20% of calls, light hosts (containers), one store`);
    const started = Date.now();
    const creates = await Promise.all(names.map(async (name) => ({ name, ...(await machine(['create', '--driver', 'amazonec2', '--amazonec2-endpoint', fake.endpoint, '--engine-install', 'none', name])) })));
    const wall = Date.now() - started;
    const finished = creates.map((c) => c.ms).sort((a, b) => a - b);
    const failed = creates.filter((c) => c.code !== 0);
    console.log(`create: ${SIZE - failed.length}/${SIZE} succeeded in ${seconds(wall)} wall; finished first ${seconds(finished[0] ?? NaN)}, median ${seconds(median(finished))}, last ${seconds(finished[finished.length - 1] ?? NaN)}`);
    for (const f of failed) console.log(`  ${f.name} failed: ${f.stderr.trim().split('\n').slice(-3).join(' | ')}`);

    const createRequests = [...fake.requests];
    console.log(`  EC2 calls received: ${createRequests.length} (${countBy(createRequests, (r) => r.action)})`);
    console.log(`  answered RequestLimitExceeded: ${createRequests.filter((r) => r.error === 'RequestLimitExceeded').length}`);
    const calls = (await fs.readFile(callLog, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ec2CallLine);
    const throttledRetries = calls.reduce((n, c) => n + c.throttled, 0);
    const surfaced = calls.filter((c) => !c.ok && c.throttled >= c.attempts).length;
    console.log(`  client side: ${calls.length} calls, ${calls.reduce((n, c) => n + c.attempts - 1, 0)} retries of which ${throttledRetries} after throttling; most attempts for one call ${Math.max(...calls.map((c) => c.attempts))}; throttling surfaced as a failure: ${surfaced}`);
    const holds = parseLockHolds(await fs.readFile(lockLog, 'utf8'));
    const longest = holds.reduce((a, b) => (b.holdMs > a.holdMs ? b : a));
    console.log(`  store lock: ${holds.length} holds, longest ${longest.holdMs} ms (${longest.purpose}), median ${median(holds.map((h) => h.holdMs))} ms; longest wait for it ${Math.max(...holds.map((h) => h.waitMs))} ms`);

    const beforeLs = fake.requests.length;
    const live = await machine(['ls']);
    console.log(`ls, all ${SIZE} answering: ${live.ms} ms, EC2 calls: ${countBy(fake.requests.slice(beforeLs), (r) => `${r.action}${r.error ? ` (${r.error})` : ''}`)}`);

    const records = await Promise.all(names.slice(0, UNREACHABLE).map(async (name) => JSON.parse(await fs.readFile(path.join(store, 'machines', name, 'config.json'), 'utf8')) as { driverState: { instanceId: string } }));
    const silent = records.map((r) => hosts.containerOf(r.driverState.instanceId));
    await hosts.dockerd.docker(['pause', ...silent]);
    const slow = await machine(['ls', '--timeout', String(LS_TIMEOUT_S)]);
    await hosts.dockerd.docker(['unpause', ...silent]);
    const timeouts = slow.stdout.split('\n').filter((l) => / Timeout /.test(l)).length;
    console.log(`ls, ${UNREACHABLE} of ${SIZE} not answering, --timeout ${LS_TIMEOUT_S}: ${slow.ms} ms (budget ${LS_TIMEOUT_S * 1000 + 500} ms), ${timeouts} shown as Timeout`);

    const cached: number[] = [];
    const quiet: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = fake.requests.length;
      cached.push((await machine(['ls', '--cached'])).ms);
      quiet.push((await machine(['ls', '-q'])).ms);
      if (fake.requests.length !== before) throw new Error('ls --cached or -q called EC2');
    }
    console.log(`ls --cached: median ${median(cached)} ms of 5 (${cached.join(', ')}); ls -q: median ${median(quiet)} ms; no EC2 call`);

    const beforeRm = fake.requests.length;
    const rmStarted = Date.now();
    const removed = await Promise.all(names.map((name) => machine(['rm', '-y', name])));
    await fake.settled();
    const snapshot = fake.snapshot();
    const left = {
      instances: snapshot.instances.filter((i) => i.state !== 'terminated').length,
      keyPairs: snapshot.keyPairs.length,
      groups: snapshot.securityGroups.filter((g) => g.name !== 'default').length,
    };
    console.log(`rm of all ${SIZE} at once: ${removed.filter((r) => r.code === 0).length}/${SIZE} in ${seconds(Date.now() - rmStarted)}, ${fake.requests.length - beforeRm} EC2 calls; left in EC2: ${JSON.stringify(left)}`);
  } finally {
    await fake.close();
    await hosts.stop();
    await fs.rm(store, { recursive: true, force: true });
    await fs.rm(lockLog, { force: true });
    await fs.rm(callLog, { force: true });
  }
}

runBenchmark(main);
