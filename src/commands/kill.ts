import { LifecycleCommand } from '../cli/lifecycle-command';

export default class Kill extends LifecycleCommand {
  static override summary = 'force a machine off';
  static override examples = ['<%= config.bin %> kill dev1', '<%= config.bin %> kill dev1 dev2 --json'];
  protected readonly operation = 'kill' as const;
}
