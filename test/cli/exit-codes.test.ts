import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { MachineStore } from '../../src/core/store/machine-store';
import { StoreLayout } from '../../src/core/store-layout';
import { generateMachineKeyPair } from '../../src/ssh/keys';
import { type CliRun, interruptCli, runCli } from '../helpers/run-cli';
import { makeTempDir, sampleRecord } from '../helpers/tmp-store';

/**
 * The exit codes the README promises, for each class of error, with and without --json, through the
 * built CLI in child processes: 2 usage, 1 failed, 3 pre-create, 10 bug, 130 Ctrl-C, 143 SIGTERM. A
 * host that accepts TCP and never says a word keeps commands waiting long enough to interrupt them.
 */
jest.setTimeout(60_000);

let store: string;
let keyPath: string;
let preload: string;
let silent: net.Server;
let silentPort: number;
const held: net.Socket[] = [];

beforeAll(async () => {
  store = await makeTempDir('machine-exit-codes-');
  keyPath = (await generateMachineKeyPair(path.join(store, 'id_ed25519'))).privateKeyPath;
  silent = net.createServer((socket) => held.push(socket.on('error', () => undefined)));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as net.AddressInfo).port;
  const ssh = { host: '127.0.0.1', port: silentPort, user: 'admin', keyPath };
  await new MachineStore(new StoreLayout(store)).reserve(sampleRecord('mute', { ip: '127.0.0.1', ssh }));
  // Loaded before bin/run.js: listing the machines fails the way a bug would (a TypeError), on request.
  preload = path.join(store, 'preload.js');
  await fs.writeFile(
    preload,
    [
      "const fs = require('node:fs');",
      'const readdir = fs.promises.readdir;',
      "fs.promises.readdir = (dir, ...rest) => (String(dir).endsWith('/machines') ? Promise.reject(new TypeError('injected: not a bug of yours')) : readdir(dir, ...rest));",
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
  await fs.rm(store, { recursive: true, force: true });
});

function errorJson(run: CliRun): { code: string; exitCode: number; message: string } {
  return (JSON.parse(run.stdout) as { error: { code: string; exitCode: number; message: string } }).error;
}

const createMute = (name: string) => ['create', '-s', store, '--driver', 'generic', '--generic-ip-address', '127.0.0.1', '--generic-ssh-port', '', '--generic-ssh-key', keyPath, name];
const withPort = (argv: string[]) => argv.map((word) => (word === '' ? String(silentPort) : word));

describe.each([false, true])('exit codes (--json: %s)', (json) => {
  /** --json goes before a `--`, after which it would be an argument. */
  const withJson = (argv: string[]) => {
    const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
    return json ? [...argv.slice(0, end), '--json', ...argv.slice(end)] : argv;
  };
  const cli = (argv: string[]) => runCli(withJson(argv));
  const expectCode = (run: CliRun, status: number, code: string) => {
    expect(run.status).toBe(status);
    if (json) expect(errorJson(run)).toMatchObject({ code, exitCode: status });
    else expect(run.stderr).toContain(code === 'USAGE' ? 'Error' : `Code: ${code}`);
  };

  it('2 for a flag oclif does not know, a flag given twice, a bad value', () => {
    expectCode(cli(['ls', '-s', store, '--bogus']), 2, 'USAGE');
    expectCode(cli(['ls', '-s', store, '--format', 'a', '--format', 'b']), 2, 'USAGE');
    expectCode(cli(['ls', '-s', store, '--timeout', 'soon']), 2, 'USAGE');
    expectCode(cli(['create', '-s', store, '--driver', 'generic', '--generic-ip-address', '127.0.0.1', '--', 'a..b']), 2, 'USAGE');
  });

  it('1 for an operation that failed', () => {
    expectCode(cli(['inspect', '-s', store, 'nosuch']), 1, 'MACHINE_NOT_FOUND');
  });

  it('3 for a failed pre-create check', () => {
    expectCode(cli(['create', '-s', store, '--driver', 'generic', '--generic-ip-address', '127.0.0.1', '--generic-ssh-key', `${keyPath}.missing`, 'web3']), 3, 'PRE_CREATE_CHECK');
  });

  it('10 for a bug', () => {
    const run = runCli(withJson(['ls', '-s', store]), { env: { NODE_OPTIONS: `--require ${preload}` } });
    expect(run.status).toBe(10);
    if (json) expect(errorJson(run)).toMatchObject({ code: 'BUG', exitCode: 10 });
    else expect(run.stderr).toContain('machine hit an unexpected error (a bug): injected');
  });

  it.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s while a command waits for its host: %i', async (signal, status) => {
    // `ssh` takes no --json: the same interrupt either way, which is the point of the pair.
    const run = await interruptCli(['--debug', 'ssh', '-s', store, 'mute', '--', 'true'], /machine:cli /, signal);
    expect({ status: run.status, signal: run.signal }).toEqual({ status, signal: null });
    expect(run.stderr).toContain(`interrupted (${signal})`);
  });

  it.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s while ls waits for a machine: %i', async (signal, status) => {
    const run = await interruptCli(withJson(['--debug', 'ls', '-s', store]), /machine:cli /, signal);
    expect({ status: run.status, signal: run.signal }).toEqual({ status, signal: null });
    if (json) expect(errorJson(run)).toMatchObject({ code: 'INTERRUPTED', exitCode: status });
    else expect(run.stdout).toBe('');
  });

  it.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s during create: rolled back, then %i', async (signal, status) => {
    const name = `cut-${signal.toLowerCase()}-${json ? 'json' : 'text'}`;
    const ready = json ? /"phase":"wait for running"/ : /wait for running \.\.\./;
    const run = await interruptCli(withJson(withPort(createMute(name))), ready, signal);
    expect({ status: run.status, signal: run.signal }).toEqual({ status, signal: null });
    if (json) expect(errorJson(run)).toMatchObject({ code: 'INTERRUPTED', exitCode: status });
    else expect(run.stderr).toContain('interrupted: cleaning up');
    expect(await new MachineStore(new StoreLayout(store)).load(name)).toMatchObject({ status: 'error', error: { phase: 'wait for running' } });
  });
});
