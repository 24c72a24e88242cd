import { MachineCommand } from '../cli/base-command';
import { machineNameArg } from '../cli/machine-arg';
import { dockerConfigFlags } from '../engine/docker-env';

export interface ConfigResult {
  flags: string;
}

export default class Config extends MachineCommand<typeof Config> {
  static override summary = 'print the docker CLI flags that reach a machine';
  static override examples = ['docker $(<%= config.bin %> config dev1) ps'];
  static override enableJsonFlag = true;
  static override args = machineNameArg;

  async run(): Promise<ConfigResult> {
    const record = await this.app.record(this.args.name);
    const flags = dockerConfigFlags(record, this.app.layout);
    this.log(flags);
    return { flags };
  }
}
