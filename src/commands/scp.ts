import { Args, Flags } from '@oclif/core';
import { MachineCommand } from '../cli/base-command';
import { copyFiles } from '../services/copy-files';

export default class Scp extends MachineCommand<typeof Scp> {
  static override summary = 'copy files between this computer and machines';
  static override description = 'A path is local unless written MACHINE:PATH. Copies between two machines pass through this computer.';
  static override examples = ['<%= config.bin %> scp ./app.tar web1:/tmp/', '<%= config.bin %> scp -r web1:/etc/docker ./docker-conf', '<%= config.bin %> scp web1:/tmp/a web2:/tmp/a'];
  static override args = {
    source: Args.string({ description: '[MACHINE:]PATH to copy from', required: true }),
    destination: Args.string({ description: '[MACHINE:]PATH to copy to', required: true }),
  };
  static override flags = {
    recursive: Flags.boolean({ char: 'r', description: 'copy folders recursively' }),
  };

  async run(): Promise<void> {
    await copyFiles(this.app, this.args.source, this.args.destination, this.flags.recursive);
  }
}
