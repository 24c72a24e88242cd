import { packageRoot } from '../provision/package-root';
import type { InstalledPlugin } from './plugin-drivers';

/**
 * The plugins installed for this CLI, as oclif finds them (its data folder: MACHINE_DATA_DIR, or
 * XDG_DATA_HOME/machine, or ~/.local/share/machine). Commands have oclif's config at hand and pass
 * its list; this is for the services that look a record's driver up outside a command's reach, and
 * runs only when a record names a driver this build does not have.
 */
export async function loadInstalledPlugins(): Promise<InstalledPlugin[]> {
  // Lazy: oclif's config loader is only needed when a driver comes from a plugin.
  const { Config } = await import('@oclif/core');
  const config = await Config.load(packageRoot());
  return installedPluginsOf(config.getPluginsList());
}

/** oclif's plugin objects, reduced to what the driver discovery reads. */
export function installedPluginsOf(plugins: ReadonlyArray<{ name: string; version: string; root: string; type: string; pjson: unknown }>): InstalledPlugin[] {
  return plugins.map(({ name, version, root, type, pjson }) => ({ name, version, root, type, pjson }));
}
