import { MachineCommand } from '../cli/base-command';

export interface VersionResult {
  machine: string;
  node: string;
  platform: string;
}

export default class Version extends MachineCommand<typeof Version> {
  static override summary = 'show the version of machine';
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json'];
  static override enableJsonFlag = true;

  async run(): Promise<VersionResult> {
    const result = { machine: this.config.version, node: process.version, platform: `${process.platform}/${process.arch}` };
    this.log(`machine version ${result.machine} (node ${result.node}, ${result.platform})`);
    return result;
  }
}
