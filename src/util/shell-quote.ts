/**
 * The one POSIX sh quoting of the project. Single quotes are the only form in which nothing inside is
 * special to sh (no $, `, \ or newline handling), so a value is wrapped in them and each quote it holds
 * is written as '\'' (close, escaped quote, reopen). Used wherever a value is spliced into a command
 * line that a POSIX shell will parse: SSH commands, provisioning, error messages that show a command.
 */
export function shellQuote(value: string): string {
  // No shell argument can hold a NUL: C strings end there, so the value would arrive cut short.
  if (value.includes('\0')) throw new TypeError('a shell argument cannot contain a NUL byte');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Words a shell reads as themselves need no quotes; showing them bare keeps printed command lines readable. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** A command line as a user would type it into sh: each word quoted only where it has to be. */
export function shellCommandLine(words: readonly string[]): string {
  return words.map((word) => (PLAIN_WORD.test(word) ? word : shellQuote(word))).join(' ');
}
