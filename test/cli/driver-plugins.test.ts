import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DRIVER_API_VERSION } from '../../src/core/driver-api';
import { makeTempDir } from '../helpers/tmp-store';

/**
 * Driver plugins through the CLI as users run it (the compiled bin/run.js): the fixture packages
 * linked with `machine plugins link` into a fresh oclif data folder. Needs `npm run build`, which
 * builds the sample driver package too; `npm test` runs it first. The sample driver's create on a real
 * host is in test/e2e/driver-contract.e2e.test.ts.
 */
const repoRoot = path.join(__dirname, '..', '..');
const sampleRoot = path.join(repoRoot, 'test', 'fixtures', 'sample-driver');
const futureRoot = path.join(repoRoot, 'test', 'fixtures', 'incompatible-driver');

describe('driver plugins through the CLI', () => {
  let home: string;

  const machine = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    const env: NodeJS.ProcessEnv = { ...process.env, MACHINE_DATA_DIR: path.join(home, 'data'), MACHINE_STORAGE_PATH: path.join(home, 'store') };
    delete env.MACHINE_DRIVER;
    // With CI set, oclif's colour library paints the plugin list even into a pipe; the test reads plain text.
    env.FORCE_COLOR = '0';
    return new Promise((resolve) => {
      execFile(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), ...args], { env, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
  };

  beforeAll(async () => {
    home = await makeTempDir('machine-plugins-');
    for (const root of [sampleRoot, futureRoot]) {
      const link = await machine(['plugins', 'link', '--no-install', root]);
      expect({ root, code: link.code }).toEqual({ root, code: 0 });
    }
  }, 60_000);

  afterAll(() => fs.rm(home, { recursive: true, force: true }));

  it('plugins lists both linked packages, and drivers shows the sample driver and the refused one with its reason', async () => {
    const plugins = await machine(['plugins']);
    expect(plugins.stdout).toMatch(/machine-driver-sample 1\.0\.0 \(link\)/);
    expect(plugins.stdout).toMatch(/machine-driver-future 2\.0\.0 \(link\)/);

    const drivers = await machine(['drivers', '--json']);
    expect(drivers.code).toBe(0);
    const rows = JSON.parse(drivers.stdout) as Array<{ name: string; source: string; refused?: string }>;
    expect(rows.filter((r) => r.source !== 'built-in')).toEqual([
      { name: 'sample', aliases: ['lease'], source: 'machine-driver-sample 1.0.0' },
      { name: 'future', aliases: [], source: 'machine-driver-future 2.0.0', refused: `it is built for driver API 99; this machine speaks driver API ${DRIVER_API_VERSION}` },
    ]);
    expect(rows.filter((r) => r.source === 'built-in').map((r) => r.name)).toEqual(['generic', 'qemu', 'amazonec2', 'azure', 'hyperv']);
  }, 30_000);

  it('create --driver sample --help shows the sample driver\'s flags with the common ones, and no other driver\'s', async () => {
    for (const spelling of ['sample', 'lease']) {
      const help = await machine(['create', '--driver', spelling, '--help']);
      expect({ spelling, code: help.code }).toEqual({ spelling, code: 0 });
      expect(help.stdout).toMatch(/SAMPLE DRIVER FLAGS/);
      for (const flag of ['sample-host', 'sample-ssh-port', 'sample-ssh-user', 'sample-ssh-key', 'sample-engine-port', 'sample-lease-dir']) expect(help.stdout).toContain(`--${flag}`);
      expect(help.stdout).toContain('[default: 22] its SSH port');
      expect(help.stdout).not.toContain('--generic-ip-address');
      expect(help.stdout).toContain('--engine-install');
      expect(help.stdout).toMatch(/those of the sample driver/);
    }
  }, 30_000);

  it('create with the sample driver parses its flags and runs its checks: missing flags are usage errors, an unreachable host fails the pre-create check', async () => {
    const missing = await machine(['create', '--driver', 'sample', 's1']);
    expect({ code: missing.code, stderr: missing.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('--sample-host is required with --driver sample') });

    const foreign = await machine(['create', '--driver', 'sample', '--generic-ip-address', '192.0.2.1', 's1']);
    expect({ code: foreign.code, stderr: foreign.stderr.replace(/\s+/g, ' ') }).toEqual({ code: 2, stderr: expect.stringContaining('--generic-ip-address belongs to another driver') });

    const key = path.join(home, 'key');
    await fs.writeFile(key, 'not a key\n', { mode: 0o600 });
    const unreachable = await machine(['create', '--driver', 'sample', '--sample-host', '127.0.0.1', '--sample-ssh-port', '1', '--sample-ssh-key', key, '--sample-lease-dir', path.join(home, 'leases'), 's1']);
    expect({ code: unreachable.code, stderr: unreachable.stderr }).toEqual({ code: 3, stderr: expect.stringContaining('nothing answers at 127.0.0.1:1') });
    expect(JSON.parse((await machine(['ls', '--json'])).stdout)).toEqual([]);
  }, 30_000);

  it('a driver from a plugin built for another driver API is refused with the reason, for create and its help, and its code never runs', async () => {
    for (const args of [['create', '--driver', 'future', 'f1'], ['create', '--driver', 'future', '--help']]) {
      const run = await machine(args);
      expect({ args, code: run.code }).toEqual({ args, code: 1 });
      expect(run.stderr.replace(/\s+/g, ' ')).toContain('the future driver of plugin machine-driver-future 2.0.0 is refused: it is built for driver API 99');
      // The fixture's module throws this when loaded at all.
      expect(run.stderr).not.toContain('was loaded although');
    }
  }, 30_000);

  it('finds a plugin\'s drivers from its package.json alone: a descriptor module that throws when loaded breaks only its own driver', async () => {
    const root = path.join(home, 'machine-driver-boom');
    await fs.mkdir(root);
    await fs.writeFile(path.join(root, 'index.js'), "throw new Error('boom: the descriptor module ran');\n");
    const pjson = {
      name: 'machine-driver-boom',
      version: '0.0.1',
      oclif: {},
      machine: { driverApi: DRIVER_API_VERSION, drivers: [{ name: 'boom', aliases: [], summary: 'loads badly', module: './index.js', export: 'boomDriver' }] },
    };
    await fs.writeFile(path.join(root, 'package.json'), JSON.stringify(pjson));
    expect((await machine(['plugins', 'link', '--no-install', root])).code).toBe(0);
    try {
      const drivers = await machine(['drivers', '--json']);
      expect({ code: drivers.code, boom: (JSON.parse(drivers.stdout) as Array<{ name: string }>).find((d) => d.name === 'boom') }).toEqual({
        code: 0,
        boom: { name: 'boom', aliases: [], source: 'machine-driver-boom 0.0.1' },
      });
      for (const args of [['ls'], ['create', '--driver', 'sample', '--help'], ['create', '--help']]) {
        const run = await machine(args);
        expect({ args, code: run.code, boom: run.stderr.includes('boom') }).toEqual({ args, code: 0, boom: false });
      }
      const used = await machine(['create', '--driver', 'boom', 'b1']);
      expect({ code: used.code, stderr: used.stderr.replace(/\s+/g, ' ') }).toEqual({
        code: 1,
        stderr: expect.stringContaining('the boom driver of plugin machine-driver-boom 0.0.1 is refused: its module'),
      });
      expect(used.stderr).toContain('boom: the descriptor module ran');
    } finally {
      await machine(['plugins', 'uninstall', 'machine-driver-boom']);
    }
  }, 60_000);

  it('after plugins uninstall, the sample driver is unknown again', async () => {
    const uninstall = await machine(['plugins', 'uninstall', 'machine-driver-sample']);
    expect(uninstall.code).toBe(0);
    const create = await machine(['create', '--driver', 'sample', 's2']);
    expect({ code: create.code, stderr: create.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('unknown driver "sample"') });
  }, 30_000);
});
