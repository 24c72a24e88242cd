/**
 * A small reference model of how cmd.exe runs one `SET` line, for judging what `machine env --shell
 * cmd` prints without Windows. It follows cmd's documented phases as far as a SET line needs them:
 *
 * - at the prompt, phase 1 replaces `%NAME%` by the variable's value when it is defined (an undefined
 *   one stays as typed, the prompt's rule), and phase 2 reads quotes and specials: a `"` toggles
 *   quoting; outside quotes `^` makes the next character literal and `&` `|` `<` `>` end the command,
 *   which this model reports as another command running;
 * - through `FOR /f "tokens=*" %i IN ('...') DO @%i` (the hint's form), each output line loses its
 *   leading blanks, a line starting with `;` (the default eol) is skipped, and the line replaces %i
 *   after phases 1 and 2 ran on the FOR line: nothing in it is expanded or split there;
 * - with delayed expansion on (`cmd /V:ON`), `!NAME!` is replaced by the value (undefined: nothing)
 *   and a lone `!` disappears, in either context;
 * - SET itself: when its argument starts with `"`, the name=value is what lies between that quote and
 *   the last `"` of the line (the rest is ignored); otherwise the whole argument, quotes included.
 */
export interface CmdContext {
  via: 'prompt' | 'for';
  env?: Record<string, string>;
  delayedExpansion?: boolean;
}

export type CmdOutcome = { kind: 'set'; name: string; value: string } | { kind: 'other'; reason: string };

export function runCmdLine(line: string, context: CmdContext): CmdOutcome {
  const env = context.env ?? {};
  const lookup = (name: string): string | undefined => Object.entries(env).find(([key]) => key.toUpperCase() === name.toUpperCase())?.[1];
  let text = line;
  if (/[\r\n]/.test(text)) return { kind: 'other', reason: 'a line break ends the command' };
  if (context.via === 'for') {
    text = text.replace(/^[ \t]+/, '');
    if (text.startsWith(';')) return { kind: 'other', reason: 'skipped as a comment (eol=;)' };
  } else {
    text = text.replace(/%([^%]+)%/g, (whole, name: string) => lookup(name) ?? whole);
    const read = readSpecials(text);
    if (typeof read !== 'string') return read;
    text = read;
  }
  if (context.delayedExpansion) text = text.replace(/!([^!]*)!/g, (_whole, name: string) => lookup(name) ?? '').replace(/!/g, '');
  return runSet(text);
}

/** Phase 2 at the prompt: quotes toggle, carets escape outside them, operators end the command. */
function readSpecials(text: string): string | CmdOutcome {
  let out = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      quoted = !quoted;
      out += ch;
    } else if (!quoted && ch === '^') {
      i++;
      if (i < text.length) out += text[i];
    } else if (!quoted && '&|<>'.includes(ch)) {
      return { kind: 'other', reason: `"${ch}" outside quotes: another command or a redirection` };
    } else {
      out += ch;
    }
  }
  return out;
}

function runSet(text: string): CmdOutcome {
  const command = /^@?SET[ \t]+(.*)$/is.exec(text);
  if (!command) return { kind: 'other', reason: `not a SET command: ${text}` };
  const argument = command[1];
  const assignment = argument.startsWith('"') ? argument.slice(1, argument.lastIndexOf('"') > 0 ? argument.lastIndexOf('"') : undefined) : argument;
  const equals = assignment.indexOf('=');
  if (equals <= 0) return { kind: 'other', reason: 'SET without NAME= shows variables instead' };
  return { kind: 'set', name: assignment.slice(0, equals), value: assignment.slice(equals + 1) };
}
