import { MachineError } from '../../src/core/errors';
import { renderEnvScript } from '../../src/engine/env-script';
import { SHELLS, type Shell } from '../../src/engine/shells';

const SET: Array<[string, string]> = [
  ['DOCKER_TLS_VERIFY', '1'],
  ['DOCKER_HOST', 'tcp://203.0.113.5:2376'],
  ['DOCKER_CERT_PATH', '/home/u/.machine/machines/dev1'],
  ['DOCKER_MACHINE_NAME', 'dev1'],
];
const UNSET = ['DOCKER_TLS_VERIFY', 'DOCKER_HOST', 'DOCKER_CERT_PATH', 'DOCKER_MACHINE_NAME'];

const setScript = (shell: Shell) => renderEnvScript({ shell, set: SET, unset: [], hintCommand: 'machine env dev1' });
const unsetScript = (shell: Shell) => renderEnvScript({ shell, set: [], unset: UNSET, hintCommand: 'machine env --unset' });
const one = (shell: Shell, value: string) => renderEnvScript({ shell, set: [['V', value]], unset: [], hintCommand: 'm' }).split('\n')[0];

const POSIX_SET = `export DOCKER_TLS_VERIFY="1"
export DOCKER_HOST="tcp://203.0.113.5:2376"
export DOCKER_CERT_PATH="/home/u/.machine/machines/dev1"
export DOCKER_MACHINE_NAME="dev1"
# Run this command to configure your shell: 
# eval "$(machine env dev1)"
`;
const POSIX_UNSET = `unset DOCKER_TLS_VERIFY
unset DOCKER_HOST
unset DOCKER_CERT_PATH
unset DOCKER_MACHINE_NAME
# Run this command to configure your shell: 
# eval "$(machine env --unset)"
`;

describe('renderEnvScript: exact output per shell', () => {
  it.each(['bash', 'zsh', 'sh'] as const)('%s', (shell) => {
    expect(setScript(shell)).toBe(POSIX_SET);
    expect(unsetScript(shell)).toBe(POSIX_UNSET);
  });

  it('fish', () => {
    expect(setScript('fish')).toBe(`set -gx DOCKER_TLS_VERIFY "1";
set -gx DOCKER_HOST "tcp://203.0.113.5:2376";
set -gx DOCKER_CERT_PATH "/home/u/.machine/machines/dev1";
set -gx DOCKER_MACHINE_NAME "dev1";
# Run this command to configure your shell: 
# machine env dev1 | source
`);
    expect(unsetScript('fish')).toBe(`set -e DOCKER_TLS_VERIFY;
set -e DOCKER_HOST;
set -e DOCKER_CERT_PATH;
set -e DOCKER_MACHINE_NAME;
# Run this command to configure your shell: 
# machine env --unset | source
`);
  });

  it('powershell', () => {
    expect(setScript('powershell')).toBe(`$Env:DOCKER_TLS_VERIFY = "1"
$Env:DOCKER_HOST = "tcp://203.0.113.5:2376"
$Env:DOCKER_CERT_PATH = "/home/u/.machine/machines/dev1"
$Env:DOCKER_MACHINE_NAME = "dev1"
# Run this command to configure your shell: 
# & machine env dev1 | Invoke-Expression
`);
    expect(unsetScript('powershell')).toBe(`Remove-Item Env:\\DOCKER_TLS_VERIFY
Remove-Item Env:\\DOCKER_HOST
Remove-Item Env:\\DOCKER_CERT_PATH
Remove-Item Env:\\DOCKER_MACHINE_NAME
# Run this command to configure your shell: 
# & machine env --unset | Invoke-Expression
`);
  });

  it('cmd', () => {
    expect(setScript('cmd')).toBe(`SET DOCKER_TLS_VERIFY=1
SET DOCKER_HOST=tcp://203.0.113.5:2376
SET DOCKER_CERT_PATH=/home/u/.machine/machines/dev1
SET DOCKER_MACHINE_NAME=dev1
REM Run this command to configure your shell: 
REM \t@FOR /f "tokens=*" %i IN ('machine env dev1 --shell cmd') DO @%i
`);
    expect(unsetScript('cmd')).toBe(`SET DOCKER_TLS_VERIFY=
SET DOCKER_HOST=
SET DOCKER_CERT_PATH=
SET DOCKER_MACHINE_NAME=
REM Run this command to configure your shell: 
REM \t@FOR /f "tokens=*" %i IN ('machine env --unset --shell cmd') DO @%i
`);
  });

  it('tcsh', () => {
    expect(setScript('tcsh')).toBe(`setenv DOCKER_TLS_VERIFY "1";
setenv DOCKER_HOST "tcp://203.0.113.5:2376";
setenv DOCKER_CERT_PATH "/home/u/.machine/machines/dev1";
setenv DOCKER_MACHINE_NAME "dev1";
: Run this command to configure your shell: 
: eval "\`machine env dev1\`"
`);
    expect(unsetScript('tcsh')).toBe(`unsetenv DOCKER_TLS_VERIFY;
unsetenv DOCKER_HOST;
unsetenv DOCKER_CERT_PATH;
unsetenv DOCKER_MACHINE_NAME;
: Run this command to configure your shell: 
: eval "\`machine env --unset\`"
`);
  });

  it('emacs', () => {
    expect(setScript('emacs')).toBe(`(setenv "DOCKER_TLS_VERIFY" "1")
(setenv "DOCKER_HOST" "tcp://203.0.113.5:2376")
(setenv "DOCKER_CERT_PATH" "/home/u/.machine/machines/dev1")
(setenv "DOCKER_MACHINE_NAME" "dev1")
;; Run this command to configure your shell: 
;; (with-temp-buffer (shell-command "machine env dev1 --shell emacs" (current-buffer)) (eval-buffer))
`);
    expect(unsetScript('emacs')).toBe(`(setenv "DOCKER_TLS_VERIFY" nil)
(setenv "DOCKER_HOST" nil)
(setenv "DOCKER_CERT_PATH" nil)
(setenv "DOCKER_MACHINE_NAME" nil)
;; Run this command to configure your shell: 
;; (with-temp-buffer (shell-command "machine env --unset --shell emacs" (current-buffer)) (eval-buffer))
`);
  });

  it('nushell: a NUON record for load-env, a NUON list for hide-env', () => {
    expect(setScript('nushell')).toBe(`{
  DOCKER_TLS_VERIFY: "1",
  DOCKER_HOST: "tcp://203.0.113.5:2376",
  DOCKER_CERT_PATH: "/home/u/.machine/machines/dev1",
  DOCKER_MACHINE_NAME: "dev1"
}
# Run this command to configure your shell: 
# machine env dev1 | from nuon | load-env
`);
    expect(unsetScript('nushell')).toBe(`["DOCKER_TLS_VERIFY", "DOCKER_HOST", "DOCKER_CERT_PATH", "DOCKER_MACHINE_NAME"]
# Run this command to configure your shell: 
# hide-env -i ...(machine env --unset | from nuon)
`);
  });

  it('does not name the shell twice when the command already does', () => {
    const script = renderEnvScript({ shell: 'emacs', set: SET, unset: [], hintCommand: 'machine env --shell=emacs dev1' });
    expect(script.trimEnd().split('\n').pop()).toBe(';; (with-temp-buffer (shell-command "machine env --shell=emacs dev1" (current-buffer)) (eval-buffer))');
  });

  it('covers every shell the env command offers', () => {
    for (const shell of SHELLS) expect(setScript(shell)).toContain('dev1');
  });
});

describe('renderEnvScript: quoting values so they arrive unchanged', () => {
  const tricky = `/Users/Jo "JJ" O'Brien/$HOME/\`id\`/a\\b!`;

  it.each([
    ['bash', `export V="/Users/Jo \\"JJ\\" O'Brien/\\$HOME/\\\`id\\\`/a\\\\b!"`],
    ['fish', `set -gx V "/Users/Jo \\"JJ\\" O'Brien/\\$HOME/\`id\`/a\\\\b!";`],
    ['powershell', `$Env:V = "/Users/Jo \`"JJ\`" O'Brien/\`$HOME/\`\`id\`\`/a\\b!"`],
    ['tcsh', `setenv V '/Users/Jo "JJ" O'\\''Brien/$HOME/\`id\`/a\\b\\!';`],
    ['emacs', `(setenv "V" "/Users/Jo \\"JJ\\" O'Brien/$HOME/\`id\`/a\\\\b!")`],
    ['nushell', `  V: "/Users/Jo \\"JJ\\" O'Brien/$HOME/\`id\`/a\\\\b!"`],
  ] as const)('%s', (shell, expected) => {
    const line = shell === 'nushell' ? renderEnvScript({ shell, set: [['V', tricky]], unset: [], hintCommand: 'm' }).split('\n')[1] : one(shell, tricky);
    expect(line).toBe(expected);
  });

  it('keeps plain paths with spaces in the familiar double-quoted form', () => {
    expect(one('bash', 'C:\\Users\\Jo Smith\\.machine')).toBe('export V="C:\\\\Users\\\\Jo Smith\\\\.machine"');
    expect(one('tcsh', '/home/Jo  Smith/.machine')).toBe('setenv V "/home/Jo  Smith/.machine";');
    expect(one('cmd', 'C:\\Users\\Jo Smith\\.machine')).toBe('SET V=C:\\Users\\Jo Smith\\.machine');
    expect(one('powershell', 'C:\\Users\\Jo Smith\\.machine')).toBe('$Env:V = "C:\\Users\\Jo Smith\\.machine"');
  });

  it('quotes cmd metacharacters with SET "NAME=value"', () => {
    expect(one('cmd', 'a&b|c<d>e^f')).toBe('SET "V=a&b|c<d>e^f"');
    expect(one('cmd', "C:\\it's (x86)")).toBe(`SET "V=C:\\it's (x86)"`);
  });

  it.each(['/Users/Jo "JJ"/x', 'x"&calc&"', '100%', '%PATH%', 'a!b!', 'a\tb'])('refuses what cmd cannot hold: %j', (value) => {
    expect(() => one('cmd', value)).toThrow(/cmd\.exe cannot be given .* safely/);
  });

  it('escapes PowerShell curly quotes and line breaks', () => {
    expect(one('powershell', 'a\u201Cb\u201Dc\nd')).toBe('$Env:V = "a`\u201Cb`\u201Dc`nd"');
  });

  it('writes nushell control characters in its own \\u{...} form', () => {
    const script = renderEnvScript({ shell: 'nushell', set: [['V', 'a\u0001b\tc\nd']], unset: [], hintCommand: 'm' });
    expect(script.split('\n')[1]).toBe('  V: "a\\u{1}b\\tc\\nd"');
  });

  it('refuses line breaks where the shell cannot hold them', () => {
    expect(() => one('cmd', 'a\nb')).toThrow(MachineError);
    expect(() => one('tcsh', 'a\nb')).toThrow(MachineError);
  });

  it('refuses names that are not variable names', () => {
    expect(() => renderEnvScript({ shell: 'bash', set: [['A B', 'x']], unset: [], hintCommand: 'm' })).toThrow('not an environment variable name');
  });

  it('nushell output sets or hides, never both', () => {
    expect(() => renderEnvScript({ shell: 'nushell', set: [['A', 'x']], unset: ['B'], hintCommand: 'm' })).toThrow('either');
  });
});
