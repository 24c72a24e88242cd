import type { Command } from '@oclif/core';
import type { DriverCatalog } from '../services/driver-catalog';
import { type RegisteredDriver, registeredDrivers } from '../services/driver-registry';

/**
 * `machine create --driver aws --help` shows the common flags and that driver's own, as docker-machine
 * did; plain `create --help` keeps every driver's. The flags stay declared statically on the command
 * (exact parsing, no argv pre-scan), so narrowing happens only where help is drawn.
 */

/** The driver named by --driver/-d on a command line (any spelling oclif accepts), or undefined. */
export function driverNamedIn(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') return undefined;
    if (word === '--driver' || word === '-d') return argv[i + 1];
    const joined = /^(?:--driver=|-d=?)(.+)$/.exec(word);
    if (joined) return joined[1];
  }
  return undefined;
}

/**
 * The command as help should show it for `driver`: other drivers' flags and examples left out, and a
 * line saying so.
 */
export function createHelpFor(command: Command.Loadable, driver: RegisteredDriver): Command.Loadable {
  const foreign = new Set(registeredDrivers().filter((d) => d.name !== driver.name).flatMap((d) => Object.keys(d.flags)));
  // The manifest holds the built-in drivers' flags; a plugin driver's are added from its descriptor.
  const own = driver.plugin ? cachedFlags(driver) : {};
  const flags = { ...Object.fromEntries(Object.entries(command.flags).filter(([name]) => !foreign.has(name))), ...own };
  const note = `Shown: the common flags and those of the ${driver.name} driver; \`<%= config.bin %> create --help\` lists every driver's.`;
  const examples = (command.examples ?? []).filter((example) => exampleDriver(example) === driver.name);
  return { ...command, flags, examples, description: command.description ? `${command.description}\n\n${note}` : note };
}

/** The driver an example command line uses, by its canonical name. */
function exampleDriver(example: Command.Example): string | undefined {
  const text = typeof example === 'string' ? example : example.command;
  const named = driverNamedIn(text.split(/\s+/));
  return named === undefined ? undefined : registeredDrivers().find((d) => d.name === named || d.aliases.includes(named))?.name;
}

/** `create`'s help narrowed to the driver the command line names; other commands, and no driver, pass unchanged. */
export function narrowCreateHelp(command: Command.Loadable, argv: readonly string[], catalog: DriverCatalog): Command.Loadable {
  if (command.id !== 'create') return command;
  const named = driverNamedIn(argv);
  // An unknown name throws the same usage error (with every name and alias) as `create` itself.
  return named === undefined ? command : createHelpFor(command, catalog.find(named));
}

/**
 * A plugin driver's flags in the form help draws (oclif's cached form: plain values, no parsers).
 * A default that is a function is shown only when the flag says how (`defaultHelp`), as oclif does.
 */
function cachedFlags(driver: RegisteredDriver): Command.Loadable['flags'] {
  const cached: Command.Loadable['flags'] = {};
  for (const [name, flag] of Object.entries(driver.flags)) {
    const plain = Object.fromEntries(Object.entries(flag).filter(([, value]) => typeof value !== 'function'));
    cached[name] = { ...plain, name } as Command.Loadable['flags'][string];
  }
  return cached;
}
