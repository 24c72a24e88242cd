import { readFileSync } from 'node:fs';
import type { Shell } from './shells';

/** Executable names (without .exe, lower case) and the dialect each one speaks. */
const SHELL_BY_PROGRAM: Record<string, Shell> = {
  bash: 'bash',
  zsh: 'zsh',
  sh: 'sh',
  dash: 'sh',
  ash: 'sh',
  ksh: 'sh',
  mksh: 'sh',
  fish: 'fish',
  tcsh: 'tcsh',
  csh: 'tcsh',
  pwsh: 'powershell',
  powershell: 'powershell',
  cmd: 'cmd',
  nu: 'nushell',
};

export function shellFromProgram(program: string | undefined): Shell | undefined {
  if (!program) return undefined;
  const base = program.split(/[\\/]/).pop() ?? '';
  const name = base.replace(/^-/, '').replace(/\.exe$/i, '').toLowerCase();
  return SHELL_BY_PROGRAM[name];
}

/**
 * The name of the process that started us, when the OS tells it cheaply (Linux /proc). The shell we
 * are running under beats $SHELL, which names the login shell: a fish user who starts fish from
 * bash still has SHELL=/bin/bash.
 */
export function parentProgram(platform: NodeJS.Platform = process.platform, ppid: number = process.ppid): string | undefined {
  if (platform !== 'linux') return undefined;
  try {
    return readFileSync(`/proc/${ppid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Which shell to write `machine env` for; undefined when we cannot tell (the caller then asks for
 * --shell rather than guessing).
 */
export function detectShell(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  parent: () => string | undefined = () => parentProgram(platform),
): Shell | undefined {
  const fromParent = shellFromProgram(parent());
  if (fromParent) return fromParent;
  // Nushell exports NU_VERSION to its children but leaves $SHELL as the login shell, so it must be
  // asked before $SHELL. (A bash started from nu inherits NU_VERSION; on Linux the parent check
  // above has already answered that case.)
  if (env.NU_VERSION) return 'nushell';
  if (env.SHELL) return shellFromProgram(env.SHELL);
  if (platform === 'win32') return isPowerShellEnvironment(env) ? 'powershell' : 'cmd';
  return undefined;
}

/**
 * PSModulePath alone does not tell: Windows sets it for every process. PowerShell adds the user's
 * own module folder (under the profile, e.g. Documents\PowerShell\Modules) when it starts, so a
 * PSModulePath entry under %USERPROFILE% means we run inside PowerShell.
 */
function isPowerShellEnvironment(env: NodeJS.ProcessEnv): boolean {
  const entries = (env.PSModulePath ?? '').split(';').filter((entry) => entry.trim() !== '');
  const profile = env.USERPROFILE?.toLowerCase().replace(/[\\/]+$/, '');
  if (!profile) return entries.length >= 3;
  return entries.some((entry) => entry.toLowerCase().startsWith(`${profile}\\`) || entry.toLowerCase().startsWith(`${profile}/`));
}
