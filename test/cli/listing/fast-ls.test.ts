import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FAST_LS_OPTIONS, runFastLs } from '../../../src/cli/listing/fast-ls';
import Ls from '../../../src/commands/ls';
import { MachineStore } from '../../../src/core/store/machine-store';
import { StoreLayout } from '../../../src/core/store-layout';
import { makeTempDir, sampleRecord } from '../../helpers/tmp-store';
import { SYNC_CHILD_TIMEOUT_MS } from '../../helpers/sync-child';

const repoRoot = path.join(__dirname, '..', '..', '..');

/** The full oclif `ls` (compiled, without the fast path). Needs `npm run build`, which `npm test` runs first. */
function oclifLs(argv: string[]): string {
  const script = `require('@oclif/core').run(${JSON.stringify(['ls', ...argv])}, ${JSON.stringify(path.join(repoRoot, 'bin'))}).then(() => require('@oclif/core').flush())`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DOCKER_CONFIG', 'DOCKER_HOST', 'DOCKER_CONTEXT']) delete env[name];
  const run = spawnSync(process.execPath, ['-e', script], { cwd: repoRoot, encoding: 'utf8', timeout: SYNC_CHILD_TIMEOUT_MS, env });
  if (run.status !== 0) throw new Error(`oclif ls ${argv.join(' ')} failed: ${run.stderr}`);
  return run.stdout;
}

async function fastLs(argv: string[]): Promise<{ handled: boolean; stdout: string }> {
  let stdout = '';
  const handled = await runFastLs(argv, (t) => (stdout += t));
  return { handled, stdout };
}

describe('machine ls fast path (--cached, -q)', () => {
  let store: string;

  beforeAll(async () => {
    store = await makeTempDir();
    const machines = new MachineStore(new StoreLayout(store));
    await machines.reserve(sampleRecord('web2', { engine: { install: 'distro', port: 2376, labels: ['env=prod'], opts: [], env: [], insecureRegistries: [], registryMirrors: [] } }));
    await machines.reserve(sampleRecord('web10'));
    await machines.reserve(sampleRecord('broken', { status: 'error', error: { phase: 'provision', message: 'apt failed', at: '2026-11-23T00:00:00.000Z' } }));
    // A create whose process is gone: pid 2^22 + 1 is above Linux's pid_max, so it runs nowhere.
    await machines.reserve(sampleRecord('killed', { status: 'creating', createPhase: 'create host', creator: { pid: 4194305, hostname: os.hostname() } }));
    await fs.mkdir(path.join(store, 'machines', 'junk'));
  });
  afterAll(async () => {
    await fs.rm(store, { recursive: true, force: true });
  });

  it('takes the same options as the command (a flag added to one must be added to the other)', () => {
    const fromFast = Object.keys(FAST_LS_OPTIONS).filter((name) => name !== 'storage-path').sort();
    const fromCommand = Object.keys(Ls.flags).filter((name) => name !== 'json').sort();
    expect(fromFast).toEqual(fromCommand);
  });

  it.each([
    [['--cached']],
    [['--cached', '--format', '{{.Name}} {{.State}} {{.Error}}']],
    [['--cached', '--filter', 'state=Error']],
    [['-q']],
    [['-q', '--filter', 'label=env=prod']],
    [['--quiet', '--cached']],
  ])('ls %j prints exactly what the full command prints', async (args) => {
    const argv = [...args, '-s', store];
    const fast = await fastLs(argv);
    expect(fast.handled).toBe(true);
    expect(fast.stdout).toBe(oclifLs(argv));
  });

  it('a killed create shows as interrupted, with its phase, from the store alone', async () => {
    const { stdout } = await fastLs(['--cached', '--format', '{{.Name}}|{{.State}}|{{.Error}}', '-s', store]);
    expect(stdout.split('\n').find((l) => l.startsWith('killed|'))).toMatch(/^killed\|Error \(interrupted\)\|.*during "create host"/);
  });

  it.each([[['--json', '--cached']], [[]], [['-q', '--filter', 'state=Running']], [['--cached', '--bogus']], [['extra-arg', '-q']]])('leaves %j to the full command', async (args) => {
    expect((await fastLs([...args, '-s', store])).handled).toBe(false);
  });
});
