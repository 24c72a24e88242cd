import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { FAST_ENV_OPTIONS, runFastEnv } from '../../src/cli/fast-env';
import Env from '../../src/commands/env';
import { MachineStore } from '../../src/core/store/machine-store';
import { StoreLayout } from '../../src/core/store-layout';
import { writeCurrentContext } from '../../src/engine/docker-config';
import { DockerContextStore } from '../../src/engine/docker-context-store';
import { copyClientMaterialToMachine, ensureStoreCertificates } from '../../src/tls';
import { makeTempDir, sampleRecord } from '../helpers/tmp-store';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

const repoRoot = path.join(__dirname, '..', '..');

/** The variables that decide where docker goes; each test sets its own. */
const DOCKER_SELECTORS = ['DOCKER_CONFIG', 'DOCKER_HOST', 'DOCKER_CONTEXT'] as const;

/**
 * Runs the full oclif `env` command (compiled, as users run it, but without the fast path) in `env`
 * and returns its stdout and stderr. Needs `npm run build`, which `npm test` runs first.
 */
function oclifEnv(argv: string[], env: Record<string, string>): { stdout: string; stderr: string } {
  const script = `require('@oclif/core').run(${JSON.stringify(['env', ...argv])}, ${JSON.stringify(path.join(repoRoot, 'bin'))}).then(() => require('@oclif/core').flush())`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of DOCKER_SELECTORS) delete childEnv[name];
  const run = spawnSync(process.execPath, ['-e', script], { cwd: repoRoot, encoding: 'utf8', timeout: SYNC_CHILD_TIMEOUT_MS, env: { ...childEnv, ...env } });
  if (run.status !== 0) throw new Error(`oclif env ${argv.join(' ')} failed: ${run.stderr}`);
  return { stdout: run.stdout, stderr: run.stderr };
}

/** The fast path in this process, with `env` as its environment for the call. */
async function fastEnv(argv: string[], env: Record<string, string>): Promise<{ handled: boolean; stdout: string; stderr: string }> {
  const saved = Object.fromEntries(DOCKER_SELECTORS.map((name) => [name, process.env[name]]));
  for (const name of DOCKER_SELECTORS) delete process.env[name];
  Object.assign(process.env, env);
  let stdout = '';
  let stderr = '';
  try {
    const handled = await runFastEnv(argv, (t) => (stdout += t), (t) => (stderr += t));
    return { handled, stdout, stderr };
  } finally {
    for (const name of DOCKER_SELECTORS) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
}

describe('machine env fast path', () => {
  let store: string;
  /** A docker config folder whose current context is another machine's. */
  let otherCurrent: string;
  let emptyConfig: string;

  beforeAll(async () => {
    store = await makeTempDir();
    const layout = new StoreLayout(store);
    await new MachineStore(layout).reserve(sampleRecord('dev1'));
    await ensureStoreCertificates(layout, 'ecdsa');
    await copyClientMaterialToMachine(layout, 'dev1');
    emptyConfig = path.join(store, 'docker-empty');
    otherCurrent = path.join(store, 'docker-other');
    await new DockerContextStore(otherCurrent).write({ name: 'machine-web', description: '', host: 'tcp://192.0.2.8:2376', tls: { ca: '', cert: '', key: '' } });
    await writeCurrentContext(otherCurrent, 'machine-web');
  });
  afterAll(() => fs.rm(store, { recursive: true, force: true }));

  it('accepts exactly the flags of the env command (names and short forms)', () => {
    const commandFlags = { ...Env.baseFlags, ...Env.flags } as Record<string, { char?: string }>;
    const fromCommand = Object.entries(commandFlags).map(([name, f]) => [name, f.char ?? null]).sort();
    const fromFast = Object.entries(FAST_ENV_OPTIONS).map(([name, o]) => [name, 'short' in o ? o.short : null]).sort();
    expect(fromFast).toEqual(fromCommand);
  });

  it.each([
    [['dev1', '--shell', 'bash']],
    [['dev1', '--shell', 'fish', '--no-proxy']],
    [['dev1', '--shell', 'powershell']],
    [['--unset', '--shell', 'tcsh']],
    [['-u', '--shell', 'cmd', '--no-proxy']],
    [['dev1', '--shell', 'bash', '--context']],
    [['dev1', '--shell', 'nushell', '--context', '--no-proxy']],
    [['--unset', '--context', '--shell', 'zsh']],
  ])('prints what the oclif command prints for %j', async (argv) => {
    const args = [...argv, '--storage-path', store];
    const env = { DOCKER_CONFIG: emptyConfig };
    const fast = await fastEnv(args, env);
    expect(fast.handled).toBe(true);
    expect({ stdout: fast.stdout, stderr: fast.stderr }).toEqual(oclifEnv(args, env));
    expect(fast.stdout).not.toBe('');
    expect(fast.stderr).toBe('');
  });

  it.each([
    ['DOCKER_CONTEXT names another context: the printed DOCKER_HOST overrides it', ['dev1'], { DOCKER_CONTEXT: 'colima' }, /^Warning: the docker context "colima" \(DOCKER_CONTEXT\) is overridden by the DOCKER_HOST printed here; `machine --storage-path \S+ env --context dev1` selects dev1 by context instead\n$/],
    ['the current context is another machine\'s', ['dev1'], { DOCKER_CONFIG: 'OTHER' }, /^Warning: the docker context "machine-web" \(the current context\) is overridden by the DOCKER_HOST printed here/],
    ['DOCKER_HOST overrides the DOCKER_CONTEXT --context prints', ['dev1', '--context'], { DOCKER_HOST: 'tcp://192.0.2.1:2376' }, /^Warning: DOCKER_HOST is set in this shell and overrides DOCKER_CONTEXT: clear it with `eval "\$\(machine --storage-path \S+ env --unset\)"` first\n$/],
  ])('warns on stderr, on both paths alike, when %s', async (_case, argv, extraEnv, warning) => {
    const env = { DOCKER_CONFIG: emptyConfig, ...extraEnv };
    if (env.DOCKER_CONFIG === 'OTHER') env.DOCKER_CONFIG = otherCurrent;
    const args = [...argv, '--shell', 'bash', '--storage-path', store];
    const fast = await fastEnv(args, env);
    expect(fast.handled).toBe(true);
    expect(fast.stderr).toMatch(warning);
    expect({ stdout: fast.stdout, stderr: fast.stderr }).toEqual(oclifEnv(args, env));
  });

  it.each([
    ['the context is this machine\'s own', ['dev1'], { DOCKER_CONTEXT: 'machine-dev1' }],
    ['the context is the default one', ['dev1'], { DOCKER_CONTEXT: 'default' }],
    ['--context replaces any DOCKER_CONTEXT', ['dev1', '--context'], { DOCKER_CONTEXT: 'colima' }],
    ['--unset changes nothing to warn about', ['--unset'], { DOCKER_HOST: 'tcp://192.0.2.1:2376', DOCKER_CONTEXT: 'colima' }],
  ])('stays quiet when %s', async (_case, argv, extraEnv) => {
    const fast = await fastEnv([...argv, '--shell', 'bash', '--storage-path', store], { DOCKER_CONFIG: emptyConfig, ...extraEnv });
    expect(fast).toMatchObject({ handled: true, stderr: '' });
  });

  it('--context prints DOCKER_CONTEXT only, and writes the context when it is missing', async () => {
    const configDir = path.join(store, 'docker-fresh');
    const fast = await fastEnv(['dev1', '--context', '--shell', 'bash', '--storage-path', store], { DOCKER_CONFIG: configDir });
    expect(fast.stdout).toBe(`export DOCKER_CONTEXT="machine-dev1"\n# Run this command to configure your shell: \n# eval "$(machine --storage-path ${store} env --context dev1)"\n`);
    expect(await new DockerContextStore(configDir).read('machine-dev1')).toEqual({ name: 'machine-dev1', description: 'machine dev1 (generic driver)', host: 'tcp://203.0.113.5:2376' });
  });

  it.each([[['--help']], [['dev1', '--json']], [['nope', '--shell', 'bash']], [['dev1', '--shell', 'klingon']], [['a', 'b']], [['dev1', '--unset']]])(
    'leaves %j to the full command',
    async (argv) => {
      const fast = await fastEnv([...argv, '--storage-path', store], { DOCKER_CONFIG: emptyConfig });
      expect(fast).toEqual({ handled: false, stdout: '', stderr: '' });
    },
  );
});
