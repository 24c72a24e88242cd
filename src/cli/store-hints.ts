import { shellCommandLine } from '../util/shell-quote';

/**
 * Commands that `machine` prints for the user to run next (`eval "$(machine env web1)"`, "run
 * `machine rm web1`") must reach the same store as the command that printed them. When the store came
 * from --storage-path, following a hint without it would read another store (or none), so every hint
 * repeats it, absolute. A store from $MACHINE_STORAGE_PATH or the default needs nothing: the user's
 * environment still chooses it.
 */

/** The words that name the store in a printed command line: empty unless --storage-path was given. */
export function storeWords(storePathFlag: string | undefined): string[] {
  return storePathFlag === undefined ? [] : ['--storage-path', storePathFlag];
}

/** `machine [--storage-path DIR] WORDS...` as a user types it into a POSIX shell. */
export function machineCommandLine(bin: string, storePathFlag: string | undefined, words: readonly string[]): string {
  return shellCommandLine([bin, ...storeWords(storePathFlag), ...words]);
}

/**
 * The same text with each command hint in it (`machine ...` between backticks as every message of the
 * project writes them, or `eval "$(machine ...)"`) naming the store. Global flags may come before the
 * command word, so the store goes right after `machine`.
 */
export function withStoreInHints(text: string, storePathFlag: string | undefined): string {
  if (storePathFlag === undefined) return text;
  const store = shellCommandLine(storeWords(storePathFlag));
  return text.replace(/(`|\$\()machine (?=[a-z-])/g, (_match, opener: string) => `${opener}machine ${store} `);
}
