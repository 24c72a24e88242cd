import { Args, Flags } from '@oclif/core';
import { MachineCommand } from '../cli/base-command';
import { type ImportOutcome, defaultDockerMachineStore, importDockerMachineStore } from '../services/import/import-docker-machine';

export default class Import extends MachineCommand<typeof Import> {
  static override summary = 'adopt machines from a docker-machine store';
  static override description =
    "Imports generic and amazonec2 machines (address, SSH key, driver facts and, when they still fit, docker-machine's CA and certificates) and pins each host key at a first connection. Plaintext cloud credentials in docker-machine's files are reported and never copied; machines of other drivers are listed as skipped.";
  static override examples = ['<%= config.bin %> import --from-docker-machine', '<%= config.bin %> import --from-docker-machine /backup/.docker/machine'];
  static override enableJsonFlag = true;
  static override args = { path: Args.string({ description: 'the docker-machine store (default: ~/.docker/machine)' }) };
  static override flags = {
    'from-docker-machine': Flags.boolean({ description: 'read a docker-machine 0.16 store', required: true }),
  };

  async run(): Promise<ImportOutcome[]> {
    const source = this.args.path ?? defaultDockerMachineStore();
    const outcomes = await importDockerMachineStore(this.app, source, { pinHostKeys: true });
    for (const outcome of outcomes) {
      if (!outcome.imported) {
        this.log(`Skipped "${outcome.name}" (${outcome.driver}): ${outcome.reason}.`);
        continue;
      }
      this.log(`Imported "${outcome.name}" (${outcome.driver}), ${outcome.certificatesKept ? "docker-machine's certificates kept" : 'certificates to regenerate'}.`);
      for (const note of outcome.notes) this.log(`  ${this.hint(note)}`);
    }
    if (outcomes.length === 0) this.log(`No machines in ${source}.`);
    return outcomes;
  }
}
