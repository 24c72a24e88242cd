import { type Command, Help } from '@oclif/core';
import { toOclifError } from './base-command';
import { narrowCreateHelp } from './create-help';
import { driverCatalog } from '../services/driver-catalog';
import { installedPluginsOf } from '../services/installed-plugins';

/**
 * oclif's help, told which words came with `--help` so `create --driver NAME --help` can show that
 * driver's flags only (package.json names this class as oclif.helpClass).
 */
export default class MachineHelp extends Help {
  private argv: readonly string[] = [];

  override async showHelp(argv: string[]): Promise<void> {
    this.argv = argv;
    await super.showHelp(argv);
  }

  override async showCommandHelp(command: Command.Loadable): Promise<void> {
    let shown: Command.Loadable;
    try {
      shown = narrowCreateHelp(command, this.argv, driverCatalog(installedPluginsOf(this.config.getPluginsList())));
    } catch (err) {
      // Outside a command's catch: shape it as MachineCommand would, so it prints as a usage error (exit 2).
      throw toOclifError(err, false);
    }
    await super.showCommandHelp(shown);
  }
}
