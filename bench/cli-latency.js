#!/usr/bin/env node
// Median wall time of `machine env` and `machine ls` over 20 runs each, against a throwaway store
// holding five generic machines (their SSH ports are closed, so `ls` answers Stopped quickly and the
// figure is our own overhead, not a network's), first with no plugin installed, then with the sample
// driver plugin (test/fixtures/sample-driver) linked into the oclif data folder: plugins must not slow
// `machine env`. Run after `npm run build`.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const RUNS = Number(process.env.BENCH_RUNS || 20);
const bin = path.join(__dirname, '..', 'bin', 'run.js');
const store = fs.mkdtempSync(path.join(os.tmpdir(), 'machine-bench-'));
const dataDirs = { none: path.join(store, 'data-none'), linked: path.join(store, 'data-linked') };
const samplePlugin = path.join(__dirname, '..', 'test', 'fixtures', 'sample-driver');

function writeMachine(name, port) {
  const dir = path.join(store, 'machines', name);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const record = {
    schemaVersion: 1, name, driver: 'generic', status: 'ready', createdAt: new Date().toISOString(),
    driverConfig: { ipAddress: '127.0.0.1', sshUser: 'admin', sshPort: port, enginePort: 2376 },
    driverState: {}, resources: [], ip: '127.0.0.1',
    ssh: { host: '127.0.0.1', port, user: 'admin', useAgent: true },
    engine: { install: 'none', port: 2376, labels: [], opts: [], env: [], insecureRegistries: [], registryMirrors: [] },
    tls: { keyType: 'ecdsa', sans: [] },
  };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(record), { mode: 0o600 });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function run(args, dataDir) {
  execFileSync(process.execPath, [bin, ...args], { env: { ...process.env, MACHINE_STORAGE_PATH: store, MACHINE_DATA_DIR: dataDir, SHELL: '/bin/bash' }, stdio: ['ignore', 'ignore', 'inherit'] });
}

function time(args, dataDir) {
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    run(args, dataDir);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

try {
  for (let i = 1; i <= 5; i++) writeMachine(`bench${i}`, 1); // port 1: nothing listens, refused at once
  run(['plugins', 'link', '--no-install', samplePlugin], dataDirs.linked);
  for (const [plugins, dataDir] of Object.entries(dataDirs)) {
    const results = { env: time(['env', 'bench1'], dataDir), ls: time(['ls'], dataDir) };
    for (const [name, r] of Object.entries(results)) {
      const label = `machine ${name.padEnd(3)} (${plugins === 'none' ? 'no plugin' : 'sample plugin linked'})`;
      console.log(`${label.padEnd(40)} median ${r.median.toFixed(1)} ms  (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)}, ${RUNS} runs)`);
    }
  }
} finally {
  fs.rmSync(store, { recursive: true, force: true });
}
