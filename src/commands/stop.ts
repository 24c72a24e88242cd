import { LifecycleCommand } from '../cli/lifecycle-command';

export default class Stop extends LifecycleCommand {
  static override summary = 'stop a machine gracefully';
  static override examples = ['<%= config.bin %> stop dev1', '<%= config.bin %> stop dev1 dev2 --json'];
  protected readonly operation = 'stop' as const;
}
