/**
 * docker-machine users type global flags before the command (`machine -s DIR ls`, `machine --debug
 * create ...`), but oclif reads the first word as the command. bin/run.js passes the arguments through
 * here first, so flags that every command accepts (MachineCommand.baseFlags in the GLOBAL help group)
 * move to just after the command word, where oclif parses them as that command's flags.
 *
 * bin/run.js loads this before anything else, so it imports nothing.
 */

/** Global flags that take a value, in the spellings oclif accepts for them. */
export const GLOBAL_VALUE_FLAGS = ['--storage-path', '-s'] as const;
/** Global flags without a value. */
export const GLOBAL_SWITCHES = ['--debug'] as const;

/** The global flag `word` opens, and whether the value is a separate word; undefined when it is none. */
function globalFlagAt(word: string): { takesNextWord: boolean } | undefined {
  if ((GLOBAL_SWITCHES as readonly string[]).includes(word)) return { takesNextWord: false };
  if ((GLOBAL_VALUE_FLAGS as readonly string[]).includes(word)) return { takesNextWord: true };
  // `--storage-path=DIR`, `-s=DIR`, `-sDIR`: the value is in the same word.
  if (word.startsWith('--storage-path=') || /^-s.+/.test(word)) return { takesNextWord: false };
  return undefined;
}

/**
 * Moves the global flags that come before the command word to just after it. Anything else before the
 * command (`--help`, `--version`, an unknown flag) stops the scan and leaves the arguments as they
 * were, for oclif to answer as it always has; so does a line with no command word at all.
 */
export function moveGlobalFlagsAfterCommand(argv: readonly string[]): string[] {
  const globals: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const word = argv[i];
    if (!word.startsWith('-')) {
      return i === 0 ? [...argv] : [word, ...globals, ...argv.slice(i + 1)];
    }
    const flag = globalFlagAt(word);
    if (!flag || (flag.takesNextWord && i + 1 >= argv.length)) break;
    const width = flag.takesNextWord ? 2 : 1;
    globals.push(...argv.slice(i, i + width));
    i += width;
  }
  return [...argv];
}
