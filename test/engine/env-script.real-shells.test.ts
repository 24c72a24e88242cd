import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderEnvScript } from '../../src/engine/env-script';
import type { Shell } from '../../src/engine/shells';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

/**
 * Runs what `machine env` prints through the real shells installed here, applied exactly as the
 * script's own closing hint says, and reads the variables back. .ci/install-deps installs zsh, fish and
 * tcsh from Debian; nushell, which Debian 12 does not package, comes from npm (the dev dependency
 * `@nushell/linux-x64`, whose bin folder goes on PATH here; the `nushell` wrapper package names
 * platform packages the registry does not have, so `npm ci` refuses its lock). A shell that is missing is a todo on a developer's
 * machine and a failure in CI.
 */

interface RealShell {
  shell: Shell;
  program: string;
  args: (command: string) => string[];
}

const CANDIDATES: RealShell[] = [
  { shell: 'bash', program: 'bash', args: (c) => ['-c', c] },
  { shell: 'zsh', program: 'zsh', args: (c) => ['-f', '-c', c] },
  { shell: 'sh', program: 'dash', args: (c) => ['-c', c] },
  { shell: 'fish', program: 'fish', args: (c) => ['--no-config', '-c', c] },
  { shell: 'tcsh', program: 'tcsh', args: (c) => ['-f', '-c', c] },
  { shell: 'nushell', program: 'nu', args: (c) => ['-n', '-c', c] },
];

/** PATH with the npm-installed shells (nushell) first. */
const SHELL_PATH = `${path.join(__dirname, '..', '..', 'node_modules', '@nushell', 'linux-x64', 'bin')}${path.delimiter}${process.env.PATH ?? ''}`;

function installed(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { timeout: SYNC_CHILD_TIMEOUT_MS, env: { ...process.env, PATH: SHELL_PATH } }).status === 0;
}
const available = CANDIDATES.filter((c) => installed(c.program));
const missing = CANDIDATES.filter((c) => !installed(c.program)).map((c) => c.program);

const VALUES: Record<string, string> = {
  DOCKER_HOST: 'tcp://203.0.113.5:2376',
  DOCKER_CERT_PATH: `/home/Jo  "JJ" O'Brien/$HOME/$(id)/\`id\`/*/a\\b!/%PATH%/&|;<>()/日本`,
  DOCKER_MACHINE_NAME: 'dev1',
};
const NEWLINE_VALUE = 'line one\nline two';
const HOLDS_LINE_BREAKS = new Set<Shell>(['bash', 'zsh', 'sh', 'fish', 'nushell']);

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-env-shells-'));
  // Prints the environment as JSON, callable the same way from every shell.
  await fs.writeFile(path.join(dir, 'dump-env'), `#!/bin/sh\nexec ${process.execPath} -e 'process.stdout.write(JSON.stringify(process.env))'\n`, { mode: 0o755 });
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

/**
 * A fake `machine` that prints what `render` makes of its own path (the path is the hint command),
 * and keeps the arguments it was called with in `NAME.args`, NUL-separated.
 */
async function fakeMachine(name: string, render: (self: string) => string): Promise<string> {
  const fake = path.join(dir, name);
  const script = render(fake);
  await fs.writeFile(`${fake}.out`, script);
  await fs.writeFile(fake, `#!/bin/sh\nfor arg in "$@"; do printf '%s\\0' "$arg"; done >'${fake}.args'\ncat '${fake}.out'\n`, { mode: 0o755 });
  return script;
}

/** The arguments the fake was last called with. */
async function argsOf(name: string): Promise<string[]> {
  return (await fs.readFile(path.join(dir, `${name}.args`), 'utf8')).split('\0').slice(0, -1);
}

/** A store path for each shell's hint: everything its hint form can quote (tcsh's refuses $ ` " ! ' and \). */
function hostileStore(shell: Shell): string {
  return shell === 'tcsh' ? '/tmp/two  spaces/(x)&;|<>*?[a]/%P%/日本' : `/tmp/it's "a" $(id) \`x\` %P% !x \\ & ; *?[a] 日本`;
}

/** The runnable part of the script's last line: its hint, without the comment marker. */
function hintOf(script: string): string {
  const last = script.trimEnd().split('\n').pop() ?? '';
  return last.replace(/^(#|:|REM|;;) /, '');
}

function run(real: RealShell, command: string, env: NodeJS.ProcessEnv = {}): Record<string, string> {
  const out = execFileSync(real.program, real.args(`${command}; ${path.join(dir, 'dump-env')}`), {
    env: { PATH: SHELL_PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: SYNC_CHILD_TIMEOUT_MS,
  });
  return JSON.parse(out) as Record<string, string>;
}

if (missing.length > 0 && process.env.CI) {
  it('has every shell installed in CI', () => expect({ missing }).toEqual({ missing: [] }));
} else if (missing.length > 0) {
  it.todo(`install ${missing.join(', ')} to check their env scripts for real`);
}

describe.each(available)('machine env applied by the real $shell', (real) => {
  it('sets every value byte for byte', async () => {
    const values = HOLDS_LINE_BREAKS.has(real.shell) ? { ...VALUES, MULTILINE: NEWLINE_VALUE } : VALUES;
    const script = await fakeMachine(`set-${real.shell}`, (self) => renderEnvScript({ shell: real.shell, set: Object.entries(values), unset: [], hintCommand: self }));
    const env = run(real, hintOf(script));
    for (const [name, value] of Object.entries(values)) expect({ name, value: env[name] }).toEqual({ name, value });
  });

  it('passes a hostile --storage-path through the hint byte for byte', async () => {
    const store = hostileStore(real.shell);
    const name = `store-${real.shell}`;
    const script = await fakeMachine(name, (self) =>
      renderEnvScript({ shell: real.shell, set: [['DOCKER_CERT_PATH', store]], unset: [], hintCommand: [self, '--storage-path', store, 'env', 'dev1'] }),
    );
    const env = run(real, hintOf(script));
    expect(await argsOf(name)).toEqual(['--storage-path', store, 'env', 'dev1']);
    expect(env.DOCKER_CERT_PATH).toBe(store);
  });

  it('unsets the variables, set or not', async () => {
    const unset = ['DOCKER_HOST', 'DOCKER_CERT_PATH', 'NOT_SET_AT_ALL'];
    const script = await fakeMachine(`unset-${real.shell}`, (self) => renderEnvScript({ shell: real.shell, set: [], unset, hintCommand: self }));
    const env = run(real, hintOf(script), { DOCKER_HOST: 'tcp://x:2376', DOCKER_CERT_PATH: '/x', KEEP: 'kept' });
    expect(env.DOCKER_HOST).toBeUndefined();
    expect(env.DOCKER_CERT_PATH).toBeUndefined();
    expect(env.KEEP).toBe('kept');
  });
});
