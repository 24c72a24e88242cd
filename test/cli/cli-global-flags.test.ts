import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { MachineStore } from '../../src/core/store/machine-store';
import { StoreLayout } from '../../src/core/store-layout';
import { makeTempDir, sampleRecord } from '../helpers/tmp-store';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

/**
 * The compiled CLI as users run it (bin/run.js), so the argument reordering, the `env` fast path and
 * oclif's error handling are all in play. Needs `npm run build`, which `npm test` runs first.
 */
const repoRoot = path.join(__dirname, '..', '..');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Whether the process loaded oclif (false: the `env` fast path answered alone). */
  loadedOclif: boolean;
}

let store: string;
let probe: string;

/** The environment without anything that would turn debugging on by itself. */
function quietEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!('DEBUG' in extra)) delete env.DEBUG;
  if (!('MACHINE_DEBUG' in extra)) delete env.MACHINE_DEBUG;
  delete env.MACHINE_STORAGE_PATH;
  return env;
}

function machine(argv: string[], env: Record<string, string> = {}): Run {
  const result = spawnSync(process.execPath, ['--require', probe, path.join(repoRoot, 'bin', 'run.js'), ...argv], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: quietEnv(env),
    timeout: SYNC_CHILD_TIMEOUT_MS,
  });
  const marker = /\nloaded-oclif=(true|false)\n$/.exec(result.stderr);
  if (!marker) throw new Error(`the probe did not report (status ${result.status}): ${result.stderr}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.slice(0, marker.index), loadedOclif: marker[1] === 'true' };
}

beforeAll(async () => {
  store = await makeTempDir();
  await new MachineStore(new StoreLayout(store)).reserve(sampleRecord('dev1'));
  await new MachineStore(new StoreLayout(store)).reserve(sampleRecord('dev2'));
  // Loaded before bin/run.js: reports whether oclif was loaded, and on request crashes outside any
  // command (in a callback after the entry script ran), as a bug in a timer would.
  probe = path.join(store, 'probe.js');
  await fs.writeFile(
    probe,
    [
      "process.on('exit', () => require('node:fs').writeSync(2, `\\nloaded-oclif=${Object.keys(require.cache).some((p) => p.includes('@oclif'))}\\n`));",
      "if (process.env.PROBE_CRASH) setImmediate(() => { throw new TypeError(process.env.PROBE_CRASH); });",
      // A bug inside a command: opening a record fails the way a programming error would (no errno code).
      "if (process.env.PROBE_OPEN_BUG) { const fsp = require('node:fs').promises; const open = fsp.open; fsp.open = (p, ...rest) => String(p).endsWith('config.json') ? Promise.reject(new TypeError(process.env.PROBE_OPEN_BUG)) : open(p, ...rest); }",
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await fs.rm(store, { recursive: true, force: true });
});

/** oclif wraps error text to the terminal width; assertions read it as one line. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('global flags before the command, as docker-machine took them', () => {
  it.each([[['-s', '<store>', 'ls', '-q']], [['--storage-path', '<store>', 'ls', '-q']], [['--storage-path=<store>', 'ls', '-q']], [['ls', '-q', '-s', '<store>']]])(
    '%j lists the machines of that store',
    (argv) => {
      const run = machine(argv.map((a) => a.replace('<store>', store)));
      expect(run).toMatchObject({ status: 0, stderr: '' });
      expect(run.stdout.split('\n').filter(Boolean).sort()).toEqual(['dev1', 'dev2']);
    },
  );

  it('--debug before the command prints what runs on stderr, and nothing on stdout changes', () => {
    const run = machine(['--debug', '-s', store, 'ls', '-q']);
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n').filter(Boolean).sort()).toEqual(['dev1', 'dev2']);
    expect(run.stderr).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z \+\d+ms machine:cli machine \S+ \(node v[\d.]+\): ls --debug -s \S+ -q\n$/);
  });

  it('DEBUG=machine:* turns the same lines on; DEBUG for other programs does not', () => {
    expect(machine(['-s', store, 'ls', '-q'], { DEBUG: 'machine:*' }).stderr).toContain(' machine:cli ');
    expect(machine(['-s', store, 'ls', '-q'], { DEBUG: 'express:*' }).stderr).toBe('');
  });

  it('DEBUG=machine:* sends env to the full command too, which says what it runs', () => {
    const run = machine(['-s', store, 'env', 'dev1', '--shell', 'bash'], { DEBUG: 'machine:*' });
    expect(run).toMatchObject({ status: 0, loadedOclif: true });
    expect(run.stderr).toContain(' machine:cli ');
  });

  it('`machine -s DIR env NAME` still takes the fast path and prints what the full command prints', () => {
    const fast = machine(['-s', store, 'env', 'dev1', '--shell', 'bash']);
    expect(fast).toMatchObject({ status: 0, stderr: '', loadedOclif: false });
    expect(fast.stdout).toContain('DOCKER_HOST');
    const full = machine(['--debug', '-s', store, 'env', 'dev1', '--shell', 'bash']);
    expect(full).toMatchObject({ status: 0, loadedOclif: true, stdout: fast.stdout });
    expect(full.stderr).toContain(' machine:cli ');
  });

  it("leaves oclif's own errors alone: an unknown flag exits 2", () => {
    const run = machine(['-s', store, 'ls', '--bogus']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Nonexistent flag: --bogus');
  });

  it('keeps the exit code of a usage error under --json (2, not 1)', () => {
    const run = machine(['-s', store, 'create', '--driver', 'generic', '--json', 'bad name']);
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'USAGE' } });
  });
});

describe('an error that is not a MachineError (a bug)', () => {
  it('exits 10 and asks for a report, without a stack', () => {
    const run = machine(['-s', store, 'url', 'dev1'], { PROBE_OPEN_BUG: "Cannot read properties of undefined (reading 'port')" });
    expect(run.status).toBe(10);
    expect(run.stdout).toBe('');
    // The record has no engine section: reading any of its fields is the TypeError standing in for a bug.
    expect(flat(run.stderr)).toMatch(/machine hit an unexpected error \(a bug\): Cannot read properties of undefined \(reading '\w+'\)/);
    expect(flat(run.stderr)).toContain('Please report it, with the output of the same command run again with --debug.');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([[['--debug'], {}], [[], { MACHINE_DEBUG: '1' }]])('shows the stack with %j %j', (flags, env) => {
    const run = machine([...flags, '-s', store, 'url', 'dev1'], { ...env, PROBE_OPEN_BUG: 'Cannot read properties of undefined' });
    expect(run.status).toBe(10);
    expect(flat(run.stderr)).toContain('TypeError: Cannot read properties of undefined');
    // oclif wraps long frames at the terminal width, so the frame is read from the flattened text.
    expect(flat(run.stderr)).toMatch(/ at [^()]+ \(\S*dist\/src\//);
  });

  it('is reported the same way when it happens outside a command (a timer, a stray promise)', () => {
    const run = machine(['-s', store, 'ls', '-q'], { PROBE_CRASH: 'crashed in a callback' });
    expect(run.status).toBe(10);
    expect(flat(run.stderr)).toContain('machine hit an unexpected error (a bug): crashed in a callback Please report it');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const debugged = machine(['-s', store, 'ls', '-q'], { PROBE_CRASH: 'crashed in a callback', DEBUG: 'machine:*' });
    expect(debugged.status).toBe(10);
    expect(debugged.stderr).toMatch(/\n\s+at \S+ \(\S*probe\.js/);
  });
});
