import { MachineCommand } from '../cli/base-command';
import { machineNameArg } from '../cli/machine-arg';
import { type MachineStatus, probeMachine } from '../services/probe-machine';

export default class Status extends MachineCommand<typeof Status> {
  static override summary = 'print the state of a machine';
  static override examples = ['<%= config.bin %> status dev1', '<%= config.bin %> status dev1 --json'];
  static override enableJsonFlag = true;
  static override args = machineNameArg;

  async run(): Promise<MachineStatus & { name: string }> {
    const record = await this.app.record(this.args.name);
    const status = await probeMachine(this.app, record, { withEngine: this.jsonEnabled() });
    this.log(status.state);
    return { name: record.name, ...status };
  }
}
