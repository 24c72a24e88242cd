import { MachineCommand } from '../cli/base-command';
import { driverCatalog } from '../services/driver-catalog';
import { installedPluginsOf } from '../services/installed-plugins';

export interface DriverRow {
  name: string;
  aliases: string[];
  /** `built-in`, or the plugin's name and version. */
  source: string;
  /** Why the driver is refused (its plugin's driver API, a malformed manifest...); absent when usable. */
  refused?: string;
}

export default class Drivers extends MachineCommand<typeof Drivers> {
  static override summary = 'list the drivers: built-in ones, those installed plugins bring, and plugins refused with the reason';
  static override description =
    'Plugins are read from their package.json only: a driver\'s code loads when a command uses it. A plugin built for a driver API this machine does not speak is listed as refused and never loaded.';
  static override examples = ['<%= config.bin %> drivers', '<%= config.bin %> plugins link ./machine-driver-hetzner && <%= config.bin %> drivers'];
  static override enableJsonFlag = true;

  async run(): Promise<DriverRow[]> {
    const catalog = driverCatalog(installedPluginsOf(this.config.getPluginsList()));
    const rows: DriverRow[] = [
      ...catalog.builtIn.map((d) => ({ name: d.name, aliases: [...d.aliases], source: 'built-in' })),
      ...catalog.plugins.drivers.map((d) => ({ name: d.name, aliases: [...d.aliases], source: `${d.plugin.name} ${d.plugin.version}` })),
      ...catalog.plugins.refused.flatMap((r) =>
        (r.driverNames.length > 0 ? r.driverNames : ['?']).map((name) => ({ name, aliases: [], source: `${r.plugin.name} ${r.plugin.version}`, refused: r.reason })),
      ),
    ];
    for (const row of rows) {
      const names = row.aliases.length > 0 ? `${row.name} (${row.aliases.join(', ')})` : row.name;
      this.log(`${names.padEnd(28)} ${row.source}${row.refused ? `  REFUSED: ${row.refused}` : ''}`);
    }
    return rows;
  }
}
