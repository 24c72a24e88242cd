import { Args, Flags } from '@oclif/core';
import { MachineCommand } from '../cli/base-command';
import { confirmOrRefuse } from '../cli/confirm';
import { type RemoveOutcome, removeMachine } from '../services/remove-machine';
import { MachineNotFoundError } from '../core/errors';
import { validateName } from '../core/store/machine-store';

export default class Rm extends MachineCommand<typeof Rm> {
  static override summary = 'remove machines: what the driver made, then the local record';
  static override examples = ['<%= config.bin %> rm dev1', '<%= config.bin %> rm -y dev1 dev2', '<%= config.bin %> rm --force broken1'];
  static override enableJsonFlag = true;
  static override strict = false;
  static override args = { names: Args.string({ description: 'machine names', required: true }) };
  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
    force: Flags.boolean({ char: 'f', description: 'remove the local record even when removing the remote side fails (implies --yes)' }),
  };

  async run(): Promise<RemoveOutcome[]> {
    const names = this.positionals;
    // Every name must be there before anything is removed; a broken record or stray entry counts.
    for (const name of names) await this.assertPresent(name);
    if (!this.flags.yes && !this.flags.force) {
      const ok = await confirmOrRefuse(`Remove ${names.join(', ')}? This deletes the local record and what the driver made`, '--yes');
      if (!ok) {
        this.log('Nothing removed.');
        return [];
      }
    }
    return this.eachMachine(
      names,
      (name) => removeMachine(this.app, name, this.flags.force),
      (outcome) => {
        if (outcome.remoteError) this.warn(this.hint(`${outcome.name}: removed locally, but not everything was cleaned up: ${outcome.remoteError}`));
        return [...outcome.notes.map((note) => `${outcome.name}: ${note}`), `Removed "${outcome.name}".`].join('\n');
      },
    );
  }

  private async assertPresent(name: string): Promise<void> {
    if (await this.app.store.hasEntry(name)) return;
    validateName(name);
    throw new MachineNotFoundError(name);
  }
}
