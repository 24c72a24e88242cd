/** The shells `machine env` can write for. `sh` covers POSIX shells (dash, ksh...). */
export const SHELLS = ['bash', 'zsh', 'sh', 'fish', 'powershell', 'cmd', 'tcsh', 'emacs', 'nushell'] as const;

export type Shell = (typeof SHELLS)[number];

export function isShell(value: string): value is Shell {
  return (SHELLS as readonly string[]).includes(value);
}
