import { Args } from '@oclif/core';
import { MachineCommand } from '../cli/base-command';
import { findOnPath, runDockerOnMachine } from '../services/docker-cli';

export default class Docker extends MachineCommand<typeof Docker> {
  static override summary = 'run the docker CLI against a machine';
  static override description =
    "Runs your local docker CLI with the machine's variables (those of `machine env`) set for that one command only; stdin, the terminal and the exit code pass through, so `-it` works. Without a local docker CLI, runs the machine's own docker over SSH, and says so on stderr.";
  static override examples = ['<%= config.bin %> docker dev1 -- ps', '<%= config.bin %> docker dev1 -- run --rm -it busybox sh'];
  static override strict = false;
  static override args = {
    name: Args.string({ description: 'machine name', required: true }),
    arguments: Args.string({ description: 'docker arguments (after --)' }),
  };

  /**
   * A local docker CLI gets the terminal's Ctrl-C itself (same process group) and decides; its exit
   * code is ours. Until it runs, and over SSH, an interrupt ends the command as everywhere else.
   */
  private dockerDecides = false;

  protected override interrupted(signal: NodeJS.Signals): void {
    if (!this.dockerDecides) super.interrupted(signal);
  }

  async run(): Promise<void> {
    const record = await this.app.record(this.args.name);
    this.dockerDecides = findOnPath('docker', process.env) !== undefined;
    const code = await runDockerOnMachine(this.app, record, this.positionals.slice(1));
    if (code !== 0) this.exit(code);
  }
}
