import { OperationError, UsageError } from '../core/errors';
import type { MachineRecord } from '../core/machine-record';
import { type RegisteredDriver, driverNamesWithAliases, registeredDrivers } from './driver-registry';
import { loadPluginDriver } from './plugin-driver-loader';
import { type InstalledPlugin, type PluginDriverCatalog, type PluginDriverEntry, discoverPluginDrivers } from './plugin-drivers';

/**
 * Every driver a command can use: the built-in ones and those of the installed plugins. A plugin's
 * descriptor loads when its driver is first asked for, not before.
 */
export class DriverCatalog {
  readonly plugins: PluginDriverCatalog;
  private readonly loaded = new Map<string, RegisteredDriver>();

  constructor(
    readonly builtIn: readonly RegisteredDriver[],
    installed: readonly InstalledPlugin[],
  ) {
    this.plugins = discoverPluginDrivers(
      installed,
      builtIn.flatMap((d) => [d.name, ...d.aliases]),
    );
  }

  /** The driver a user named, by name or alias, case-insensitively; a refused plugin's driver says why. */
  find(nameOrAlias: string): RegisteredDriver {
    const wanted = nameOrAlias.trim().toLowerCase();
    const own = this.builtIn.find((d) => d.name === wanted || d.aliases.includes(wanted));
    if (own) return own;
    const entry = this.plugins.drivers.find((d) => d.name === wanted || d.aliases.includes(wanted));
    if (entry) return this.load(entry);
    const refused = this.plugins.refused.find((r) => r.driverNames.includes(wanted));
    if (refused) {
      throw new OperationError('DRIVER_PLUGIN_REFUSED', `the ${wanted} driver of plugin ${refused.plugin.name} ${refused.plugin.version} is refused: ${refused.reason}`, [
        `update the plugin (\`machine plugins update\`), or remove it with \`machine plugins uninstall ${refused.plugin.name}\``,
      ]);
    }
    throw new UsageError(`unknown driver "${nameOrAlias}"`, [`available drivers: ${this.namesWithAliases()}`]);
  }

  /** The driver a stored machine names; when its plugin is gone, which package to install again. */
  forRecord(record: Pick<MachineRecord, 'name' | 'driver' | 'driverPlugin'>): RegisteredDriver {
    const known = this.builtIn.some((d) => d.name === record.driver) || this.plugins.drivers.some((d) => d.name === record.driver);
    if (!known && record.driverPlugin && !this.plugins.refused.some((r) => r.driverNames.includes(record.driver))) {
      const { name, version } = record.driverPlugin;
      throw new OperationError(
        'DRIVER_MISSING',
        `driver "${record.driver}" is missing: it came from plugin ${name} ${version}, which is not installed; install it with \`machine plugins install ${name}@${version}\``,
        [`machine plugins install ${name}@${version}`, `or drop the record with \`machine rm --force ${record.name}\``],
      );
    }
    return this.find(record.driver);
  }

  /** "generic (ssh, vps), qemu, ..., sample": built-in drivers first, then the plugins'. */
  namesWithAliases(): string {
    const plugins = this.plugins.drivers.map((d) => ({ name: d.name, aliases: d.aliases }));
    return driverNamesWithAliases([...this.builtIn, ...plugins]);
  }

  private load(entry: PluginDriverEntry): RegisteredDriver {
    let driver = this.loaded.get(entry.name);
    if (!driver) {
      driver = loadPluginDriver(entry);
      this.loaded.set(entry.name, driver);
    }
    return driver;
  }
}

/** The catalog of this build's drivers and the given plugins'. */
export function driverCatalog(installed: readonly InstalledPlugin[], builtIn: readonly RegisteredDriver[] = registeredDrivers()): DriverCatalog {
  return new DriverCatalog(builtIn, installed);
}
