import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { forEachMachine } from '../../src/cli/each-machine';
import { MachineError, MachineNotFoundError, UsageError } from '../../src/core/errors';
import { MachineStore } from '../../src/core/store/machine-store';
import { StoreLayout } from '../../src/core/store-layout';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';
import { makeTempDir, sampleRecord } from '../helpers/tmp-store';

function collector() {
  const lines: string[] = [];
  return { lines, report: { succeeded: (r: string) => lines.push(`ok ${r}`), failed: (name: string, message: string) => lines.push(`failed ${name}: ${message}`) } };
}

describe('forEachMachine', () => {
  it('runs every machine, reports each in the order named, and fails after all with each outcome', async () => {
    const { lines, report } = collector();
    const work = async (name: string) => {
      if (name === 'b') throw new MachineNotFoundError('b');
      await new Promise((resolve) => setTimeout(resolve, name === 'a' ? 20 : 0));
      return name.toUpperCase();
    };
    const failure = await forEachMachine(['a', 'b', 'c'], work, report).catch((err: unknown) => err);
    expect(lines).toEqual(['ok A', expect.stringMatching(/^failed b: machine "b" does not exist \(list machines/), 'ok C']);
    expect(failure).toBeInstanceOf(MachineError);
    expect(failure).toMatchObject({ code: 'SOME_MACHINES_FAILED', exit: 1, message: '1 of 3 machines failed: b' });
    expect((failure as MachineError).details?.outcomes).toEqual([
      { name: 'a', ok: true, result: 'A' },
      { name: 'b', ok: false, error: { code: 'MACHINE_NOT_FOUND', message: expect.stringContaining('does not exist') } },
      { name: 'c', ok: true, result: 'C' },
    ]);
  });

  it('throws a single machine\'s own error unchanged', async () => {
    const own = new UsageError('bad');
    await expect(forEachMachine(['a'], () => Promise.reject(own), collector().report)).rejects.toBe(own);
  });

  it('exits with the failures\' exit code when they share one, else 1; a non-machine error is named a bug', async () => {
    await expect(forEachMachine(['a', 'b'], () => Promise.reject(new UsageError('bad')), collector().report)).rejects.toMatchObject({ exit: 2 });
    const { lines, report } = collector();
    await expect(forEachMachine(['a', 'b'], (n) => Promise.reject(n === 'a' ? new UsageError('bad') : new TypeError('x is undefined')), report)).rejects.toMatchObject({ exit: 1 });
    expect(lines[1]).toBe('failed b: unexpected error (a bug; --debug shows more): x is undefined');
  });

  it('returns every result when all succeed', async () => {
    await expect(forEachMachine(['a', 'b'], async (n) => n, collector().report)).resolves.toEqual(['a', 'b']);
  });
});

describe('several machines on the command line (built CLI)', () => {
  const repoRoot = path.join(__dirname, '..', '..');
  let store: string;
  beforeAll(async () => {
    store = await makeTempDir();
    const machines = new MachineStore(new StoreLayout(store));
    await machines.reserve(sampleRecord('web1', { driverConfig: { ipAddress: '203.0.113.5', sshUser: 'admin', sshPort: 22, enginePort: 2376 } }));
    await machines.reserve(sampleRecord('web2', { driverConfig: { ipAddress: '203.0.113.6', sshUser: 'admin', sshPort: 22, enginePort: 2376 } }));
  });
  const machine = (...argv: string[]) =>
    spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), ...argv, '--storage-path', store], { encoding: 'utf8', timeout: SYNC_CHILD_TIMEOUT_MS });

  it('ip: a missing machine in the middle hides neither neighbour, and the command exits 1', () => {
    const run = machine('ip', 'web1', 'nosuch', 'web2');
    expect(run.stdout).toBe('203.0.113.5\n203.0.113.6\n');
    expect(run.stderr).toContain('nosuch: machine "nosuch" does not exist');
    expect(run.stderr).toContain('1 of 3 machines failed: nosuch');
    expect(run.status).toBe(1);
  });

  it('ip --json: the outcome of each machine is in the error, for scripts', () => {
    const run = machine('ip', 'web1', 'nosuch', '--json');
    expect(run.status).toBe(1);
    const out = JSON.parse(run.stdout) as { error: { code: string; outcomes: unknown[] } };
    expect(out.error.code).toBe('SOME_MACHINES_FAILED');
    expect(out.error.outcomes).toEqual([
      { name: 'web1', ok: true, result: { name: 'web1', ip: '203.0.113.5' } },
      { name: 'nosuch', ok: false, error: { code: 'MACHINE_NOT_FOUND', message: expect.any(String) } },
    ]);
  });

  it('start on the generic driver: each machine says it is not supported, with the driver\'s own advice', () => {
    const run = machine('start', 'web1', 'web2');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/web1: start is not supported by the generic driver \(the generic driver takes a host it did not make/);
    expect(run.stderr).toMatch(/web2: start is not supported by the generic driver/);
  });
});
