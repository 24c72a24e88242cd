/**
 * Quoting for values placed in systemd unit files (systemd.syntax(7), systemd.service(5)). Words are
 * split on whitespace and C-unescaped, `%` starts a specifier everywhere, and `$` starts a variable
 * only in Exec lines. Anything beyond a plain safe word is double-quoted with backslash escapes.
 */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument of an ExecStart= line. */
export function systemdExecArg(value: string): string {
  const escaped = value.replace(/%/g, '%%');
  // A lone ";" separates commands in Exec lines, so it must never appear as a bare word.
  if (value !== ';' && SAFE_WORD.test(escaped)) return escaped;
  return `"${cEscape(escaped).replace(/\$/g, '$$$$')}"`;
}

/** The value of one Environment= assignment, always quoted so spaces and quotes survive. */
export function systemdEnvironmentAssignment(assignment: string): string {
  return `"${cEscape(assignment.replace(/%/g, '%%'))}"`;
}

function cEscape(value: string): string {
  let result = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') result += '\\\\';
    else if (ch === '"') result += '\\"';
    else if (ch === "'") result += "\\'";
    else if (ch === '\n') result += '\\n';
    else if (ch === '\t') result += '\\t';
    else if (code < 0x20 || code === 0x7f) result += `\\x${code.toString(16).padStart(2, '0')}`;
    else result += ch;
  }
  return result;
}
