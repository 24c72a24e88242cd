import { Args, Flags } from '@oclif/core';
import { MachineCommand } from '../cli/base-command';
import { runRemoteShell } from '../services/remote-shell';

export default class Ssh extends MachineCommand<typeof Ssh> {
  static override summary = 'open a shell on a machine, or run one command there';
  static override description = 'Without a command, opens an interactive shell. With `-- CMD ARGS`, runs it and exits with its exit code. The host key pinned at create must match.';
  static override examples = ['<%= config.bin %> ssh dev1', '<%= config.bin %> ssh dev1 -- uname -a', '<%= config.bin %> ssh dev1 --accept-host-key -- true'];
  static override strict = false;
  static override args = {
    name: Args.string({ description: 'machine name', required: true }),
    command: Args.string({ description: 'command and arguments to run (after --)' }),
  };
  static override flags = {
    'accept-host-key': Flags.boolean({ description: "replace the pinned host key with the one the host presents now (after you checked why it changed)" }),
  };

  async run(): Promise<void> {
    const record = await this.app.record(this.args.name);
    const words = this.positionals.slice(1);
    const code = await runRemoteShell(this.app, record, words, this.flags['accept-host-key'] ? 'accept-new' : 'strict');
    if (code !== 0) this.exit(code);
  }
}
