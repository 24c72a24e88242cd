import { Args } from '@oclif/core';
import { MachineCommand } from '../cli/base-command';
import { type ReprovisionOutcome, reprovision } from '../services/reprovision';

export default class Provision extends MachineCommand<typeof Provision> {
  static override summary = 'provision machines again: engine, certificates, dockerd configuration';
  static override description = 'Safe to repeat: on a host that is already right nothing changes and dockerd is not restarted.';
  static override examples = ['<%= config.bin %> provision dev1'];
  static override enableJsonFlag = true;
  static override strict = false;
  static override args = { names: Args.string({ description: 'machine names (default: the machine named "default")' }) };

  async run(): Promise<ReprovisionOutcome[]> {
    const names = await this.targetNames();
    return this.eachMachine(
      names,
      async (name) => reprovision(this.app, await this.app.store.load(name), this.progress(name), { newServerCert: false }),
      (r) => `Machine "${r.name}" provisioned: engine ${r.dockerVersion}, ${r.engineChanged ? 'dockerd restarted' : 'nothing changed'}.`,
    );
  }
}
