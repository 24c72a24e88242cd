import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { throughPosixShell } from '../../src/ssh/posix-shell';
import { withEnvironment } from '../../src/ssh/remote-environment';
import { shellCommandLine } from '../../src/util/shell-quote';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

/**
 * sshd runs a command as `$SHELL -c STRING` with the user's login shell. Here each real login shell
 * installed gets the wrapped command exactly that way, and must do what `sh -c COMMAND` does: same
 * output, same exit code, stdin passed through. nushell comes from the npm dev dependency.
 */
const NU_PATH = path.join(__dirname, '..', '..', 'node_modules', '@nushell', 'linux-x64', 'bin');
const PATH = `${NU_PATH}${path.delimiter}${process.env.PATH ?? ''}`;
const LOGIN_SHELLS = ['sh', 'dash', 'bash', 'zsh', 'fish', 'tcsh', 'csh', 'nu'];
const installed = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`], { env: { ...process.env, PATH }, timeout: SYNC_CHILD_TIMEOUT_MS }).status === 0;
const available = LOGIN_SHELLS.filter(installed);
const missing = LOGIN_SHELLS.filter((shell) => !installed(shell));

function asLoginShell(shell: string, wire: string, input = '') {
  // -c as sshd passes it; no rc files, which a user's may change anything in.
  const args = shell === 'fish' ? ['--no-config', '-c', wire] : shell === 'zsh' ? ['-f', '-c', wire] : shell === 'nu' ? ['-n', '-c', wire] : shell === 'tcsh' || shell === 'csh' ? ['-f', '-c', wire] : ['-c', wire];
  const run = spawnSync(shell, args, { input, encoding: 'utf8', env: { PATH, HOME: process.env.HOME ?? '/' }, timeout: SYNC_CHILD_TIMEOUT_MS });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const HOSTILE = [`it's`, `"double"`, '$HOME', '$(id -u)', '`id`', 'a\\b\\', '!x !!', '%PATH%', '{a,b}', '*', 'two  spaces', 'tab\there', 'line\nbreak', '日本', ';|&<>()'];

/** What, the command, and its stdin (every row has all three: jest would pass its callback for a missing one). */
const COMMANDS: Array<[string, string, string]> = [
  ['a printf of hostile words', `${shellCommandLine(['printf', '[%s]', ...HOSTILE])}; echo`, ''],
  ['exported values through a compound command', withEnvironment('printf "%s|%s" "$A" "$B" && echo', { A: HOSTILE.join(' '), B: "it's" }), ''],
  ['an exit code', 'echo before; exit 7', ''],
  ['stdin passed through', 'tr a-z A-Z', 'piped through\n'],
  ['several lines', 'for word in one two; do\n  echo "$word"\ndone', ''],
];

describe('throughPosixShell', () => {
  it('leaves the login shell nothing to read but a fixed frame and base64', () => {
    const wire = throughPosixShell(`printf '%s' "it's $HOME"`);
    expect(wire).toMatch(/^sh -c 'machine_remote_command=\$\(printf %s [A-Za-z0-9+/=]+ \| base64 -d\) \|\| exit 127; eval "\$machine_remote_command"'$/);
  });

  if (missing.length > 0 && process.env.CI) it('has every login shell installed in CI', () => expect({ missing }).toEqual({ missing: [] }));

  describe.each(available)('as the login shell %s runs it', (shell) => {
    it.each(COMMANDS)('%s: as sh -c would', (_what, command, input) => {
      const expected = asLoginShell('sh', shellCommandLine(['sh', '-c', command]), input);
      expect(expected.stderr).toBe('');
      expect(asLoginShell(shell, throughPosixShell(command), input)).toEqual(expected);
    });
  });

  it.each(['fish', 'tcsh'].filter(installed))('is needed: %s reads the unwrapped commands another way', (shell) => {
    const differs = COMMANDS.filter(([, command, input]) => {
      const direct = asLoginShell(shell, command, input);
      const expected = asLoginShell('sh', shellCommandLine(['sh', '-c', command]), input);
      return direct.stdout !== expected.stdout || direct.status !== expected.status;
    });
    expect(differs.length).toBeGreaterThan(0);
  });
});
