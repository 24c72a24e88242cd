import { MachineCommand } from '../cli/base-command';
import { OperationError } from '../core/errors';
import { findActiveMachine } from '../engine/active';
import { currentDockerSelection } from '../engine/docker-config';

export default class Active extends MachineCommand<typeof Active> {
  static override summary = 'print the machine plain docker talks to: by $DOCKER_HOST, else by the docker context';
  static override examples = ['<%= config.bin %> active'];
  static override enableJsonFlag = true;

  async run(): Promise<{ name: string }> {
    // Records that do not read cannot be active; `ls` shows them with the reason.
    const records = (await this.app.store.entries()).flatMap((e) => ('record' in e ? [e.record] : []));
    const name = findActiveMachine(records, await currentDockerSelection(process.env));
    if (!name) {
      throw new OperationError('NO_ACTIVE_MACHINE', 'no active machine: neither $DOCKER_HOST nor the docker context points at any machine in the store', [
        `eval "$(${this.config.bin} env NAME)" or \`${this.config.bin} use NAME\` makes NAME active`,
      ]);
    }
    this.log(name);
    return { name };
  }
}
