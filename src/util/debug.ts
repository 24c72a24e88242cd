/**
 * Debug output: what `machine` does (SSH commands, cloud API calls, retries), one line each on stderr,
 * for someone chasing a problem or filing a bug. Off unless asked for with `--debug`, MACHINE_DEBUG=1,
 * or DEBUG naming `machine:*` / `machine:<area>` (the convention of the `debug` package, which this
 * follows without loading it). Every line passes through redact() first: a debug log gets pasted into
 * bug reports, so it must never carry a key, a password or a token.
 *
 * `machine env` loads this module, so it imports nothing and does no work until a line is written.
 */

/** cli: the command run and its crash; ssh: commands, transfers, host keys; api: cloud calls; retry: waits that try again. */
export const DEBUG_AREAS = ['cli', 'ssh', 'api', 'retry'] as const;
export type DebugArea = (typeof DEBUG_AREAS)[number];

export interface DebugEnvironment {
  DEBUG?: string;
  MACHINE_DEBUG?: string;
}

const OFF_VALUES = new Set(['', '0', 'false', 'no', 'off']);

/** Whether `namespace` is selected by a DEBUG value: comma or space separated globs, `-glob` excludes. */
export function debugPatternSelects(setting: string, namespace: string): boolean {
  let selected = false;
  for (const item of setting.split(/[\s,]+/)) {
    if (item === '' || item === '-') continue;
    const exclude = item.startsWith('-');
    const glob = exclude ? item.slice(1) : item;
    const pattern = new RegExp(`^${glob.split('*').map(escapeRegExp).join('.*')}$`);
    if (!pattern.test(namespace)) continue;
    // As with the debug package, an exclusion wins wherever it stands.
    if (exclude) return false;
    selected = true;
  }
  return selected;
}

/** The areas that `--debug` (flag) and the environment turn on. */
export function enabledDebugAreas(env: DebugEnvironment, flag = false): Set<DebugArea> {
  const all = flag || !OFF_VALUES.has((env.MACHINE_DEBUG ?? '').trim().toLowerCase());
  const setting = env.DEBUG ?? '';
  return new Set(DEBUG_AREAS.filter((area) => all || debugPatternSelects(setting, `machine:${area}`)));
}

/** One output line: wall-clock time, milliseconds since the process started, the area, the message. */
export function formatDebugLine(area: DebugArea, message: string, now: Date, elapsedMs: number): string {
  return `${now.toISOString()} +${Math.round(elapsedMs)}ms machine:${area} ${redact(message)}\n`;
}

const REDACTED = '[redacted]';

/** PEM blocks (private keys above all), also a block cut off before its END line. */
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?(?:-----END \1-----|$)/g;
/** `Authorization: ...` and `Proxy-Authorization: ...`, as a header line or a JSON/object field. */
const AUTHORIZATION = /\b((?:proxy-)?authorization)(["']?\s*[:=]\s*)("[^"]*"?|'[^']*'?|[^\r\n]*)/gi;
/** Words that name a secret, inside a key such as `password`, `AWS_ACCESS_KEY_ID`, `X-Amz-Security-Token`. */
const SECRET_WORD = '(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|credentials?|signature)';
/** `key=value`, `key: value`, `"key": "value"`, `KEY='value'` where the key names a secret. */
const SECRET_ASSIGNMENT = new RegExp(`([\\w.-]*${SECRET_WORD}[\\w.-]*)(["']?\\s*[:=]\\s*)('[^']*'?|"[^"]*"?|[^\\s&,;'"}]+)`, 'gi');
/** `--password VALUE` as a command-line flag and its separate value. */
const SECRET_FLAG = new RegExp(`(--?[\\w-]*${SECRET_WORD}[\\w-]*)(\\s+)('[^']*'?|"[^"]*"?|[^\\s-]\\S*)`, 'gi');
/** `scheme://user:password@host`: the user stays, the password goes. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/@:]+):([^\s/@]+)@/gi;
/** A 40-character base64 word, the shape of an AWS secret access key (checked further below). */
const BASE64_40 = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

/**
 * Removes secrets from text bound for a debug line. Errs towards removing too much: a redacted
 * token in a log costs little, a leaked one costs a credential rotation.
 */
export function redact(text: string): string {
  return text
    .replace(PEM_BLOCK, (_block, label: string) => `[redacted ${label.toLowerCase()}]`)
    .replace(AUTHORIZATION, (_m, name: string, separator: string) => `${name}${separator}${REDACTED}`)
    .replace(SECRET_FLAG, (_m, flag: string, space: string) => `${flag}${space}${REDACTED}`)
    .replace(SECRET_ASSIGNMENT, (_m, key: string, separator: string) => `${key}${separator}${REDACTED}`)
    .replace(URL_CREDENTIALS, (_m, userPart: string) => `${userPart}:${REDACTED}@`)
    .replace(BASE64_40, (word) => (looksLikeAwsSecret(word) ? REDACTED : word));
}

/** Mixed case and a digit: an AWS secret key, not a hex SHA-1 or a 40-letter word. */
function looksLikeAwsSecret(word: string): boolean {
  return /[a-z]/.test(word) && /[A-Z]/.test(word) && /[0-9]/.test(word);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

let flagged = false;
let enabled: Set<DebugArea> | undefined;

/** `--debug` was given: every area, whatever the environment says. */
export function enableDebug(): void {
  flagged = true;
  enabled = new Set(DEBUG_AREAS);
}

/** Whether lines of `area` (or, without one, of any area) are written. */
export function isDebugEnabled(area?: DebugArea): boolean {
  enabled ??= enabledDebugAreas(process.env, flagged);
  return area === undefined ? enabled.size > 0 : enabled.has(area);
}

/**
 * Writes one debug line when `area` is on. Pass a function to build the message only then, so the
 * instrumented paths cost nothing when debugging is off.
 */
export function debug(area: DebugArea, message: string | (() => string)): void {
  if (!isDebugEnabled(area)) return;
  const text = typeof message === 'function' ? message() : message;
  process.stderr.write(formatDebugLine(area, text, new Date(), performance.now()));
}

/** Milliseconds since `started` (a performance.now() reading), for "took N ms" in debug lines. */
export function msSince(started: number): number {
  return Math.round(performance.now() - started);
}
