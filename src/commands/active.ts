import { MachineCommand } from '../cli/base-command';
import { OperationError } from '../core/errors';

export default class Active extends MachineCommand<typeof Active> {
  static override summary = 'print the machine $DOCKER_HOST points at';
  static override examples = ['<%= config.bin %> active'];
  static override enableJsonFlag = true;

  async run(): Promise<{ name: string }> {
    const { findActiveMachine } = await import('../engine/active');
    const records = await Promise.all((await this.app.store.names()).map((n) => this.app.store.load(n)));
    const name = findActiveMachine(records, process.env.DOCKER_HOST);
    if (!name) {
      throw new OperationError('NO_ACTIVE_MACHINE', 'no active machine: $DOCKER_HOST does not point at any machine in the store', [
        `eval "$(${this.config.bin} env NAME)" makes NAME active`,
      ]);
    }
    this.log(name);
    return { name };
  }
}
