import { UsageError } from '../core/errors';
import { shellQuote } from '../util/shell-quote';
import type { Shell } from './shells';

/**
 * Quoting of one value for each shell `machine env` writes for. Plain values (the usual URLs and
 * paths) come out in docker-machine's familiar double-quoted form; anything a shell would expand or
 * end the string on is escaped so the value arrives byte for byte.
 */

/** POSIX sh, bash, zsh: inside double quotes only \ " $ and ` are special. */
export function posixQuoted(value: string): string {
  return `"${value.replace(/[\\"$`]/g, '\\$&')}"`;
}

/** fish: inside double quotes only \ " and $ are special. */
export function fishQuoted(value: string): string {
  return `"${value.replace(/[\\"$]/g, '\\$&')}"`;
}

/**
 * PowerShell: the backtick escapes inside double quotes. PowerShell also ends strings on the curly
 * double quotes, so those are escaped too. Line breaks become `n/`r so each statement stays on one
 * line for `Invoke-Expression`, which the hint feeds line by line.
 */
export function powershellQuoted(value: string): string {
  const escaped = value.replace(/[`$"\u201C\u201D\u201E\n\r]/g, (c) => (c === '\n' ? '`n' : c === '\r' ? '`r' : `\`${c}`));
  return `"${escaped}"`;
}

/**
 * cmd.exe: `SET NAME=value` as docker-machine printed it while the value is plain; otherwise
 * `SET "NAME=value"`, inside which & | < > ^ and parentheses are literal, both when pasted at the
 * prompt and when run through `FOR /f ... DO @%i` (SET itself strips the outer quotes). What cmd
 * cannot hold that way is refused: a `"` would end the quoting and let the rest run as commands, `%`
 * expands variables even inside quotes (at the prompt there is no escape for it), `!` does the same
 * under delayed expansion, and a line break ends the command.
 */
export function cmdAssignment(name: string, value: string): string {
  const refused = /["%!]/.exec(value)?.[0] ?? (CONTROL.test(value) ? 'a control character' : undefined);
  if (refused !== undefined) {
    throw new UsageError(`cmd.exe cannot be given ${JSON.stringify(value)} safely: it holds ${refused.length === 1 ? `"${refused}"` : refused}`, [
      'use another shell (--shell powershell), or a store path (--storage-path) without " % or !',
    ]);
  }
  return /[&|<>^()]/.test(value) ? `SET "${name}=${value}"` : `SET ${name}=${value}`;
}

/**
 * tcsh/csh: double quotes cannot escape $ ` or ! at all, so such values go in single quotes, where
 * a quote is written '\'' and ! needs a backslash (csh's history expansion reaches into single quotes).
 */
export function tcshQuoted(value: string): string {
  refuseLineBreak('tcsh', value);
  if (!/[\\"$`!]/.test(value)) return `"${value}"`;
  return shellQuote(value).replace(/!/g, '\\!');
}

/** Emacs Lisp string literal. */
export function elispString(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n')}"`;
}

/**
 * A nushell (NUON) string literal. Nushell does not accept JSON's \uXXXX form, only \u{X}, so
 * control characters are written that way.
 */
export function nuonString(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
  const escaped = value.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => {
    switch (c) {
      case '\\':
        return '\\\\';
      case '"':
        return '\\"';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\u{${c.charCodeAt(0).toString(16)}}`;
    }
  });
  return `"${escaped}"`;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what cmd cannot take
const CONTROL = /[\u0000-\u001f\u007f]/;

function refuseLineBreak(shell: string, value: string): void {
  if (/[\r\n]/.test(value)) throw new UsageError(`${shell} cannot hold a line break in an environment variable: ${JSON.stringify(value)}`);
}

/** Words every shell here reads as themselves, so a hint stays readable: no quote needed anywhere. */
const PLAIN_COMMAND_WORD = /^[A-Za-z0-9_+=:,./-]+$/;

/**
 * One word of the command in a script's closing hint (`eval "$(machine env --storage-path DIR web1)"`),
 * quoted for the shell and the form the hint puts it in. A word the form cannot hold is refused, as
 * a hint that reads another store would be worse than none.
 */
export function hintWord(shell: Shell, word: string): string {
  if (PLAIN_COMMAND_WORD.test(word)) return word;
  const refuse = (what: string) => {
    throw new UsageError(`${JSON.stringify(word)} cannot be written in a ${shell} command line (${what})`, ['use a store path (--storage-path) of letters, digits, spaces and / . _ -']);
  };
  switch (shell) {
    case 'bash':
    case 'zsh':
    case 'sh':
    case 'emacs': // shell-command runs it through /bin/sh; the Lisp string around it is escaped after
      return shellQuote(word);
    case 'fish':
      // Inside fish's single quotes, \ and ' are the only escapes.
      return `'${word.replace(/[\\']/g, '\\$&')}'`;
    case 'powershell':
      // PowerShell's single quotes (and its typographic ones) are escaped by doubling.
      return `'${word.replace(/['\u2018\u2019\u201A\u201B]/g, '$&$&')}'`;
    case 'cmd':
      if (/["%!]/.test(word) || CONTROL.test(word)) refuse('cmd expands % and ! and cannot quote "');
      return `"${word}"`;
    case 'tcsh':
      // The hint is eval "`...`": inside those double quotes csh still expands $, ` and !, and ends at ".
      if (/[$`"!'\\]/.test(word) || CONTROL.test(word)) refuse('inside eval "`...`" csh expands $ ` ! and cannot quote \' or "');
      return `'${word}'`;
    case 'nushell':
      return nuonString(word);
  }
}
