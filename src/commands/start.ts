import { LifecycleCommand } from '../cli/lifecycle-command';

export default class Start extends LifecycleCommand {
  static override summary = 'start a stopped machine';
  static override examples = ['<%= config.bin %> start dev1', '<%= config.bin %> start dev1 dev2 --json'];
  protected readonly operation = 'start' as const;
}
