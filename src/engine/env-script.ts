import { cmdAssignment, elispString, fishQuoted, hintWord, nuonString, posixQuoted, powershellQuoted, tcshQuoted } from './shell-quoting';
import type { Shell } from './shells';

export type { Shell } from './shells';

export interface EnvScriptRequest {
  shell: Shell;
  /** Variables to set, in order. */
  set: ReadonlyArray<readonly [string, string]>;
  /** Variables to remove. */
  unset: readonly string[];
  /**
   * The command the user runs to get this script, for the closing hint: its words (each quoted here
   * for the shell), or a command line already plain in every shell.
   */
  hintCommand: string | readonly string[];
}

/** How one shell spells "set", "unset", a comment, and "run this command's output here". */
interface Dialect {
  set(name: string, value: string): string;
  unset(name: string): string;
  comment: string;
  apply(command: string): string;
}

const posix: Dialect = {
  set: (name, value) => `export ${name}=${posixQuoted(value)}`,
  unset: (name) => `unset ${name}`,
  comment: '#',
  // Quoted, unlike docker-machine's `eval $(...)`: unquoted, the output is word-split and globbed, so
  // a value with two spaces in a row or a `*` would arrive changed.
  apply: (command) => `eval "$(${command})"`,
};

const dialects: Record<Exclude<Shell, 'nushell'>, Dialect> = {
  bash: posix,
  zsh: posix,
  sh: posix,
  fish: {
    set: (name, value) => `set -gx ${name} ${fishQuoted(value)};`,
    unset: (name) => `set -e ${name};`,
    comment: '#',
    // `| source` runs the lines as written; `eval (...)` joins them and loses line breaks in values.
    apply: (command) => `${command} | source`,
  },
  powershell: {
    set: (name, value) => `$Env:${name} = ${powershellQuoted(value)}`,
    // One backslash: `Env:\NAME` is the provider path (docker-machine printed two, which PowerShell tolerates).
    unset: (name) => `Remove-Item Env:\\${name}`,
    comment: '#',
    apply: (command) => `& ${command} | Invoke-Expression`,
  },
  cmd: {
    set: (name, value) => cmdAssignment(name, value),
    // cmd has no unset: an empty assignment removes the variable.
    unset: (name) => `SET ${name}=`,
    comment: 'REM',
    apply: (command) => `\t@FOR /f "tokens=*" %i IN ('${command}') DO @%i`,
  },
  tcsh: {
    set: (name, value) => `setenv ${name} ${tcshQuoted(value)};`,
    unset: (name) => `unsetenv ${name};`,
    // `#` starts a comment only in csh scripts, not at the prompt; `:` is a no-op command.
    comment: ':',
    // Double quotes split the output at line ends only, so runs of spaces in values survive.
    apply: (command) => `eval "\`${command}\`"`,
  },
  emacs: {
    set: (name, value) => `(setenv ${elispString(name)} ${elispString(value)})`,
    unset: (name) => `(setenv ${elispString(name)} nil)`,
    comment: ';;',
    apply: (command) => `(with-temp-buffer (shell-command ${elispString(command)} (current-buffer)) (eval-buffer))`,
  },
};

const HINT_INTRO = 'Run this command to configure your shell: ';
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The script `machine env` prints: one line per variable, then a comment showing how to apply it.
 * Ends with a newline.
 */
export function renderEnvScript(request: EnvScriptRequest): string {
  for (const name of [...request.set.map(([n]) => n), ...request.unset]) {
    if (!VARIABLE_NAME.test(name)) throw new Error(`not an environment variable name: ${JSON.stringify(name)}`);
  }
  const lines = request.shell === 'nushell' ? nushellLines(request) : dialectLines(dialects[request.shell], request);
  return `${lines.join('\n')}\n`;
}

function dialectLines(dialect: Dialect, request: EnvScriptRequest): string[] {
  return [
    ...request.set.map(([name, value]) => dialect.set(name, value)),
    ...request.unset.map((name) => dialect.unset(name)),
    `${dialect.comment} ${HINT_INTRO}`,
    `${dialect.comment} ${dialect.apply(pinnedCommand(request))}`,
  ];
}

/**
 * Emacs runs the hint through /bin/sh and cmd's FOR /f through a fresh cmd, where detection would
 * see another shell than the one the output is for; so their hints name it.
 */
function pinnedCommand(request: EnvScriptRequest): string {
  const command = commandLine(request);
  const needsPin = request.shell === 'emacs' || request.shell === 'cmd';
  return needsPin && !/(^|\s)--shell(\s|=)/.test(command) ? `${command} --shell ${request.shell}` : command;
}

function commandLine(request: EnvScriptRequest): string {
  const { hintCommand, shell } = request;
  return typeof hintCommand === 'string' ? hintCommand : hintCommand.map((word) => hintWord(shell, word)).join(' ');
}

/**
 * Nushell has no `eval`: `source` needs a file that exists when the line is parsed, so output of a
 * command cannot be run as code in one step. What works today is data: a NUON record piped to
 * `load-env` (the way direnv and fnm hook into nushell), or a NUON list spread into `hide-env -i`
 * (-i: no error for a variable that is not set, like `unset` elsewhere). NUON allows `#` comments,
 * so the hint travels inside the output as with every other shell.
 */
function nushellLines(request: EnvScriptRequest): string[] {
  if (request.set.length > 0 && request.unset.length > 0) throw new Error('nushell output either sets or hides variables, not both');
  const comment = (text: string) => `# ${text}`;
  if (request.set.length > 0) {
    return [
      '{',
      ...request.set.map(([name, value], i) => `  ${name}: ${nuonString(value)}${i < request.set.length - 1 ? ',' : ''}`),
      '}',
      comment(HINT_INTRO),
      comment(`${commandLine(request)} | from nuon | load-env`),
    ];
  }
  return [
    `[${request.unset.map((name) => nuonString(name)).join(', ')}]`,
    comment(HINT_INTRO),
    comment(`hide-env -i ...(${commandLine(request)} | from nuon)`),
  ];
}
