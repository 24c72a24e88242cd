import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MachineStore } from '../../src/core/store/machine-store';
import { StoreLayout } from '../../src/core/store-layout';
import { SHELLS } from '../../src/engine/shells';
import { BIN, runCli } from '../helpers/run-cli';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';
import { makeTempDir, sampleRecord } from '../helpers/tmp-store';

/**
 * A relative --storage-path: everything printed names the store absolute, and every printed command
 * repeats --storage-path, so following it from any folder reaches the same store. Records whose
 * address is not an address never reach a shell's output.
 */
let parent: string;
let store: string;
let bin: string;

beforeAll(async () => {
  parent = await makeTempDir('machine-relative-');
  store = path.join(parent, 'my store');
  const layout = new StoreLayout(store);
  await new MachineStore(layout).reserve(sampleRecord('web1'));
  await new MachineStore(layout).reserve(sampleRecord('evil', { ip: '203.0.113.5"; calc; echo "$(id)' }));
  const plain = new MachineStore(new StoreLayout(path.join(parent, 'plain')));
  await plain.reserve(sampleRecord('web1'));
  await plain.reserve(sampleRecord('evil', { dockerEndpoint: { host: '$(id)', port: 2376 } }));
  // `machine` on PATH, as the hints name it.
  bin = path.join(parent, 'bin');
  await fs.mkdir(bin);
  await fs.writeFile(path.join(bin, 'machine'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`, { mode: 0o755 });
});
afterAll(() => fs.rm(parent, { recursive: true, force: true }));

const fromParent = (argv: string[]) => runCli(argv, { cwd: parent });

describe('a relative --storage-path', () => {
  it.each([[[]], [['--debug']]])('env %j: an absolute DOCKER_CERT_PATH and a hint that repeats the store', (extra) => {
    const run = fromParent(['env', '-s', 'my store', '--shell', 'bash', ...extra, 'web1']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`export DOCKER_CERT_PATH="${path.join(store, 'machines', 'web1')}"\n`);
    expect(run.stdout).toContain(`# eval "$(machine --storage-path '${store}' env web1)"\n`);
  });

  it('the hint, followed from another folder, reads the same store', () => {
    const hint = fromParent(['env', '-s', 'my store', '--shell', 'bash', 'web1']).stdout.trimEnd().split('\n').pop()?.replace(/^# /, '') ?? '';
    const out = execFileSync('bash', ['-c', `${hint} && printf '%s' "$DOCKER_CERT_PATH"`], {
      cwd: '/',
      encoding: 'utf8',
      env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, HOME: parent },
      timeout: SYNC_CHILD_TIMEOUT_MS,
    });
    expect(out).toBe(path.join(store, 'machines', 'web1'));
  });

  it('config refuses a certificate path the unquoted $(machine config) would split, naming what works', () => {
    const run = fromParent(['config', '-s', 'my store', 'web1']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.replace(/\s+/g, ' ')).toContain(`machine --storage-path '${store}' env web1`);
  });

  it('config names the certificates absolute', async () => {
    const plain = path.join(parent, 'plain');
    const run = fromParent(['config', '-s', 'plain', 'web1']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`--tlscacert="${path.join(plain, 'machines', 'web1', 'ca.pem')}"`);
  });

  it('an error names the store in its suggestions', () => {
    const run = fromParent(['inspect', '-s', 'my store', 'nosuch', '--json']);
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).error.suggestions).toContain(`list machines with \`machine --storage-path '${store}' ls\``);
  });
});

describe('a record whose address is not an address', () => {
  it.each(SHELLS)('never reaches the %s output', (shell) => {
    const run = fromParent(['env', '-s', 'my store', '--shell', shell, 'evil']);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('not an address');
  });

  it('never reaches url either', () => {
    const run = fromParent(['url', '-s', 'plain', 'evil']);
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 1, stdout: '' });
    expect(run.stderr).toContain('not an address');
  });

  it('nor does a driver\'s answer reach ip', async () => {
    const layout = new StoreLayout(path.join(parent, 'plain'));
    await new MachineStore(layout).reserve(sampleRecord('liar', { driverConfig: { ipAddress: '$(id)', sshUser: 'admin', sshPort: 22, enginePort: 2376 } }));
    const run = fromParent(['ip', '-s', 'plain', 'liar']);
    expect(run.stdout).toBe('');
    expect(run.stderr.replace(/\s+/g, ' ')).toContain('not one: "$(id)"');
  });

  it('never reaches config either', () => {
    const run = fromParent(['config', '-s', 'plain', 'evil']);
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 1, stdout: '' });
    expect(run.stderr).toContain('not an address');
  });
});
