import { UsageError } from '../core/errors';
import { shellQuote } from '../util/shell-quote';

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
 * `SET "NAME=value"`, which keeps & | < > ^ and parentheses literal both when pasted at the prompt
 * and when run through `FOR /f ... DO @%i` (SET itself strips the outer quotes).
 */
export function cmdAssignment(name: string, value: string): string {
  refuseLineBreak('cmd', value);
  return /[&|<>^"%!()]/.test(value) ? `SET "${name}=${value}"` : `SET ${name}=${value}`;
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

function refuseLineBreak(shell: string, value: string): void {
  if (/[\r\n]/.test(value)) throw new UsageError(`${shell} cannot hold a line break in an environment variable: ${JSON.stringify(value)}`);
}
