/**
 * `machine ls --timeout T` over machines that do not answer: generic machines whose SSH port accepts a
 * connection and never sends a banner (the driver's state check then waits on its own timer, longer
 * than T). The listing must end at about T, not when the abandoned checks give up. No VM, no network
 * beyond loopback. Prints each run's wall time against the budget (T + 0.5 s).
 *   node dist/bench/ls-timeout.js            (after npm run build; LS_MACHINES, LS_TIMEOUT_S, LS_RUNS)
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { RECORD_SCHEMA_VERSION, type MachineRecord } from '../src/core/machine-record';
import { runBenchmark } from './report';

const run = promisify(execFile);
const machineBin = path.join(__dirname, '..', '..', 'bin', 'run.js');
const MACHINES = Number(process.env.LS_MACHINES ?? 50);
const TIMEOUT_S = Number(process.env.LS_TIMEOUT_S ?? 3);
const RUNS = Number(process.env.LS_RUNS ?? 5);

function silentMachine(name: string, port: number): MachineRecord {
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    name,
    driver: 'generic',
    status: 'ready',
    createdAt: new Date().toISOString(),
    driverConfig: { ipAddress: '127.0.0.1', sshUser: 'admin', sshPort: port, enginePort: port },
    driverState: {},
    resources: [],
    ip: '127.0.0.1',
    ssh: { host: '127.0.0.1', port, user: 'admin', keyPath: '/nonexistent/id_ed25519' },
    dockerEndpoint: { host: '127.0.0.1', port },
    engine: { install: 'none', port, labels: [], opts: [], env: [], insecureRegistries: [], registryMirrors: [] },
    tls: { keyType: 'ecdsa', sans: [] },
    userPaths: ['/nonexistent/id_ed25519'],
  };
}

async function main(): Promise<void> {
  const held: net.Socket[] = [];
  const server = net.createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-bench-ls-'));
  try {
    for (let i = 0; i < MACHINES; i++) {
      const dir = path.join(store, 'machines', `silent${i}`);
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(silentMachine(`silent${i}`, port)), { mode: 0o600 });
    }
    const budget = TIMEOUT_S * 1000 + 500;
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = Date.now();
      const { stdout } = await run(process.execPath, [machineBin, 'ls', '--timeout', String(TIMEOUT_S), '-s', store]);
      times.push(Date.now() - started);
      const timeouts = stdout.split('\n').filter((line) => /\bTimeout\b/.test(line)).length;
      if (timeouts !== MACHINES) throw new Error(`expected ${MACHINES} Timeout rows, saw ${timeouts}`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.log(`ls --timeout ${TIMEOUT_S} over ${MACHINES} machines that never answer: median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms (budget ${budget} ms); runs ${times.join(', ')} ms`);
  } finally {
    for (const socket of held) socket.destroy();
    server.close();
    await fs.rm(store, { recursive: true, force: true });
  }
}

runBenchmark(main);
