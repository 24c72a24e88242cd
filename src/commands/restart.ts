import { LifecycleCommand } from '../cli/lifecycle-command';

export default class Restart extends LifecycleCommand {
  static override summary = 'restart a machine';
  static override examples = ['<%= config.bin %> restart dev1', '<%= config.bin %> restart dev1 dev2 --json'];
  protected readonly operation = 'restart' as const;
}
