import { MachineCommand } from '../cli/base-command';
import { machineNameArg } from '../cli/machine-arg';
import { OperationError } from '../core/errors';
import { dockerUrl } from '../core/machine-record';

export default class Url extends MachineCommand<typeof Url> {
  static override summary = "print the URL of a machine's engine";
  static override examples = ['<%= config.bin %> url dev1'];
  static override enableJsonFlag = true;
  static override args = machineNameArg;

  async run(): Promise<{ url: string }> {
    const record = await this.app.record(this.args.name);
    const url = dockerUrl(record);
    if (!url) throw new OperationError('NO_ADDRESS', `machine "${record.name}" has no address yet`);
    this.log(url);
    return { url };
  }
}
