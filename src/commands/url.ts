import { MachineCommand } from '../cli/base-command';
import { machineNameArg } from '../cli/machine-arg';
import { engineUrl } from '../engine/docker-env';

export default class Url extends MachineCommand<typeof Url> {
  static override summary = "print the URL of a machine's engine";
  static override examples = ['<%= config.bin %> url dev1'];
  static override enableJsonFlag = true;
  static override args = machineNameArg;

  async run(): Promise<{ url: string }> {
    const record = await this.app.record(this.args.name);
    // Checked: `docker -H $(machine url dev1)` puts it on a command line.
    const url = engineUrl(record);
    this.log(url);
    return { url };
  }
}
