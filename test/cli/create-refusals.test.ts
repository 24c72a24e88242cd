import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MachineStore } from '../../src/core/store/machine-store';
import { StoreLayout } from '../../src/core/store-layout';
import { runCli } from '../helpers/run-cli';
import { makeTempDir, sampleRecord } from '../helpers/tmp-store';
import { treeDigest } from '../helpers/tree-digest';

/**
 * Every value `create` can judge without a host is judged before anything is made: through the built
 * CLI, each bad value exits 2 naming its flag, and the store (a machine, a CA) is byte for byte what
 * it was. The control case (every value good, the SSH key missing) gets as far as the pre-create
 * check (exit 3), so the table's refusals are the values' doing and not the command line's.
 */
const GOOD: Record<string, string> = { '--driver': 'generic', '--generic-ip-address': '127.0.0.1', '--generic-ssh-user': 'admin' };

let store: string;
let keyFile: string;
let before: string[];

beforeAll(async () => {
  store = await makeTempDir('machine-refusals-');
  await new MachineStore(new StoreLayout(store)).reserve(sampleRecord('dev1'));
  await fs.mkdir(path.join(store, 'certs'), { mode: 0o700 });
  await fs.writeFile(path.join(store, 'certs', 'ca.pem'), 'not really a CA, but bytes to watch\n', { mode: 0o600 });
  keyFile = path.join(store, '..', `${path.basename(store)}-missing-key`);
  before = await treeDigest(store);
});
afterAll(() => fs.rm(store, { recursive: true, force: true }));

/** create with the good flags, `extra` replacing one of them or adding to them; the name after `--`, so `-a` is a name. */
function create(extra: readonly string[], name = 'web1', json = false) {
  const good = Object.entries(GOOD).filter(([flag]) => !extra.includes(flag)).flat();
  return runCli(['create', '-s', store, ...good, '--generic-ssh-key', keyFile, ...extra, ...(json ? ['--json'] : []), '--', name]);
}

const BAD: Array<[flag: string, value: string]> = [
  ['--engine-opt', 'no value here'],
  ['--engine-opt', '=x'],
  ['--engine-opt', 'tlsverify=false'],
  ['--engine-opt', 'H=tcp://0.0.0.0:2375'],
  ['--engine-opt', 'log-level=debug\nExecStartPre=/bin/sh'],
  ['--engine-env', 'A B=c'],
  ['--engine-env', '1X=y'],
  ['--engine-env', 'NOEQUALS'],
  ['--engine-env', 'X=a\nExecStartPre=/bin/true'],
  ['--engine-label', 'novalue'],
  ['--engine-label', '=x'],
  ['--engine-label', 'k=v\nb'],
  ['--engine-storage-driver', 'overlay2 --debug'],
  ['--engine-storage-driver', '../x'],
  ['--engine-insecure-registry', 'http://reg.local:5000'],
  ['--engine-insecure-registry', 'reg local'],
  ['--engine-insecure-registry', 'reg.local:99999'],
  ['--engine-insecure-registry', '10.0.0.0/99'],
  ['--engine-registry-mirror', 'mirror.local'],
  ['--engine-registry-mirror', 'ftp://mirror.local'],
  ['--engine-registry-mirror', 'https://mirror.local/"x'],
  ['--engine-version', '27.3; reboot'],
  ['--engine-version', '27.3\nPin: x'],
  ['--tls-san', 'not a name'],
  ['--tls-san', 'a..b'],
  ['--tls-san', '$(id)'],
  ['--generic-ip-address', 'host name'],
  ['--generic-ip-address', '203.0.113.5"; id; "'],
  ['--generic-ssh-user', 'admin; id'],
  ['--generic-ssh-user', '-oProxyCommand=id'],
];

const BAD_NAMES = ['a..b', 'a-', 'web.-x', 'a.', '-a', 'x'.repeat(64), 'a_b', 'a b'];

describe('create refuses what it can judge before making anything (exit 2, store unchanged)', () => {
  it('the control case reaches the pre-create check (exit 3) and makes nothing either', async () => {
    const run = create(['--engine-opt', 'log-level=debug', '--engine-label', 'env=a --debug=1', '--tls-san', 'docker.example.com']);
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 3, stderr: expect.stringContaining('missing-key does not exist') });
    expect(await treeDigest(store)).toEqual(before);
  });

  it.each(BAD)('%s %j', async (flag, value) => {
    const run = create([flag, value]);
    expect({ status: run.status, named: run.stderr.includes(flag.replace(/^--/, '')) || run.stderr.includes('TLS certificate') }).toEqual({ status: 2, named: true });
    expect(await treeDigest(store)).toEqual(before);
  });

  it.each(BAD_NAMES)('the machine name %j', async (name) => {
    const run = create([], name);
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 2, stderr: expect.stringContaining('invalid machine name') });
    expect(await treeDigest(store)).toEqual(before);
  });

  it('refuses the same way under --json, with the code in the JSON', async () => {
    const run = create(['--engine-opt', 'tlsverify=false'], 'web1', true);
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'USAGE', exitCode: 2 } });
    const name = create([], 'a..b', true);
    expect(name.status).toBe(2);
    expect(await treeDigest(store)).toEqual(before);
  });
});
