import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { FAST_ENV_OPTIONS, runFastEnv } from '../../src/cli/fast-env';
import Env from '../../src/commands/env';
import { MachineStore } from '../../src/core/store/machine-store';
import { StoreLayout } from '../../src/core/store-layout';
import { makeTempDir, sampleRecord } from '../helpers/tmp-store';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

const repoRoot = path.join(__dirname, '..', '..');

/**
 * Runs the full oclif `env` command (compiled, as users run it, but without the fast path) and
 * returns its stdout. Needs `npm run build`, which `npm test` runs first.
 */
function oclifEnv(argv: string[]): string {
  const script = `require('@oclif/core').run(${JSON.stringify(['env', ...argv])}, ${JSON.stringify(path.join(repoRoot, 'bin'))}).then(() => require('@oclif/core').flush())`;
  return execFileSync(process.execPath, ['-e', script], { cwd: repoRoot, encoding: 'utf8', timeout: SYNC_CHILD_TIMEOUT_MS });
}

describe('machine env fast path', () => {
  let store: string;

  beforeAll(async () => {
    store = await makeTempDir();
    await new MachineStore(new StoreLayout(store)).reserve(sampleRecord('dev1'));
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
  ])('prints what the oclif command prints for %j', async (argv) => {
    const args = [...argv, '--storage-path', store];
    let fast = '';
    expect(await runFastEnv(args, (t) => (fast += t))).toBe(true);
    expect(fast).toBe(oclifEnv(args));
    expect(fast).not.toBe('');
  });

  it.each([[['--help']], [['dev1', '--json']], [['nope', '--shell', 'bash']], [['dev1', '--shell', 'klingon']], [['a', 'b']], [['dev1', '--unset']]])(
    'leaves %j to the full command',
    async (argv) => {
      let fast = '';
      expect(await runFastEnv([...argv, '--storage-path', store], (t) => (fast += t))).toBe(false);
      expect(fast).toBe('');
    },
  );
});
