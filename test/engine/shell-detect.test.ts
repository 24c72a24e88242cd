import { detectShell, parentProgram, shellFromProgram } from '../../src/engine/shell-detect';

const noParent = () => undefined;

describe('detectShell', () => {
  it.each([
    ['/bin/bash', 'bash'],
    ['/usr/bin/zsh', 'zsh'],
    ['/bin/sh', 'sh'],
    ['/bin/dash', 'sh'],
    ['/usr/local/bin/fish', 'fish'],
    ['/bin/tcsh', 'tcsh'],
    ['/bin/csh', 'tcsh'],
    ['/opt/microsoft/powershell/7/pwsh', 'powershell'],
    ['/usr/bin/nu', 'nushell'],
  ] as const)('reads $SHELL=%s as %s', (shellPath, expected) => {
    expect(detectShell({ SHELL: shellPath }, 'linux', noParent)).toBe(expected);
  });

  it('prefers the shell we run under over the login shell in $SHELL', () => {
    expect(detectShell({ SHELL: '/bin/bash' }, 'linux', () => 'fish')).toBe('fish');
  });

  it('ignores a parent that is not a shell (npm, node, sudo...)', () => {
    expect(detectShell({ SHELL: '/bin/zsh' }, 'linux', () => 'node')).toBe('zsh');
  });

  it('recognizes nushell by NU_VERSION, which nushell exports while leaving $SHELL alone', () => {
    expect(detectShell({ SHELL: '/bin/bash', NU_VERSION: '0.115.1' }, 'darwin', noParent)).toBe('nushell');
  });

  it('is undefined for an unknown or empty $SHELL on Unix, so the caller asks for --shell', () => {
    expect(detectShell({}, 'linux', noParent)).toBeUndefined();
    expect(detectShell({ SHELL: '' }, 'darwin', noParent)).toBeUndefined();
    expect(detectShell({ SHELL: '/usr/bin/xonsh' }, 'linux', noParent)).toBeUndefined();
  });

  describe('on Windows', () => {
    const system = 'C:\\Program Files\\WindowsPowerShell\\Modules;C:\\WINDOWS\\system32\\WindowsPowerShell\\v1.0\\Modules';
    const profile = 'C:\\Users\\jo';

    it('is PowerShell when PSModulePath holds the module folder PowerShell adds under the profile', () => {
      const env = { USERPROFILE: profile, PSModulePath: `C:\\Users\\jo\\Documents\\PowerShell\\Modules;C:\\Program Files\\PowerShell\\Modules;${system}` };
      expect(detectShell(env, 'win32', noParent)).toBe('powershell');
    });

    it('is cmd when PSModulePath holds only the system-wide entries every process inherits', () => {
      expect(detectShell({ USERPROFILE: profile, PSModulePath: system }, 'win32', noParent)).toBe('cmd');
      expect(detectShell({ USERPROFILE: profile }, 'win32', noParent)).toBe('cmd');
    });

    it('follows $SHELL in Git Bash and MSYS', () => {
      expect(detectShell({ SHELL: '/usr/bin/bash', PSModulePath: system }, 'win32', noParent)).toBe('bash');
    });
  });
});

describe('shellFromProgram', () => {
  it('strips folders, a login dash and .exe', () => {
    expect(shellFromProgram('-bash')).toBe('bash');
    expect(shellFromProgram('C:\\Program Files\\PowerShell\\7\\pwsh.exe')).toBe('powershell');
    expect(shellFromProgram('CMD.EXE')).toBe('cmd');
    expect(shellFromProgram(undefined)).toBeUndefined();
  });
});

describe('parentProgram', () => {
  it('reads the parent process name on Linux', () => {
    if (process.platform !== 'linux') return;
    expect(parentProgram('linux', process.pid)).toBe('node');
  });

  it('is undefined where /proc does not exist or the process is gone', () => {
    expect(parentProgram('darwin')).toBeUndefined();
    expect(parentProgram('linux', 2 ** 30)).toBeUndefined();
  });
});
