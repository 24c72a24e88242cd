import { Args } from '@oclif/core';
import { MachineCommand } from '../cli/base-command';
import { type UpgradeOutcome, upgradeEngine } from '../services/upgrade-engine';

export default class Upgrade extends MachineCommand<typeof Upgrade> {
  static override summary = 'upgrade the engine from the package source the machine was provisioned from';
  static override description = "Runs apt-get install --only-upgrade of the engine's packages from the repository chosen at create, then restarts dockerd with its configuration and data unchanged: containers, images and volumes stay. Reports the engine's version before and after.";
  static override examples = ['<%= config.bin %> upgrade dev1', '<%= config.bin %> upgrade dev1 dev2'];
  static override enableJsonFlag = true;
  static override strict = false;
  static override args = { names: Args.string({ description: 'machine names (default: the machine named "default")' }) };

  async run(): Promise<UpgradeOutcome[]> {
    const names = await this.targetNames();
    return this.eachMachine(
      names,
      async (name) => upgradeEngine(this.app, await this.app.store.load(name), this.progress(name)),
      (o) => {
        const moved = o.packages.filter((p) => p.before !== p.after).map((p) => `${p.package} ${p.before} -> ${p.after}`);
        return o.changed
          ? `Machine "${o.name}": engine ${o.engineBefore} -> ${o.engineAfter} (${moved.join(', ')}).`
          : `Machine "${o.name}": engine ${o.engineAfter} is already the newest its package source offers.`;
      },
    );
  }
}
