import { Args } from '@oclif/core';
import type { LifecycleOperation } from '../core/driver';
import { type LifecycleOutcome, runLifecycle } from '../services/lifecycle';
import { MachineCommand } from './base-command';

/**
 * start, stop, restart and kill: the same shape, one operation each. Several machines run concurrently
 * and each one's outcome is reported, failures included.
 */
export abstract class LifecycleCommand extends MachineCommand<typeof LifecycleCommand> {
  static override enableJsonFlag = true;
  static override strict = false;
  static override args = { names: Args.string({ description: 'machine names (default: the machine named "default")' }) };

  protected abstract readonly operation: LifecycleOperation;

  async run(): Promise<LifecycleOutcome[]> {
    const targets = await this.targetNames();
    return this.eachMachine(
      targets,
      async (name) => runLifecycle(this.app, await this.app.store.load(name), this.operation, this.progress(name)),
      (r) =>
        r.alreadyThere
          ? `Machine "${r.name}" is already ${r.state.toLowerCase()}.${r.certificatesReissued ? ' Its address had changed: record updated, new server certificate issued.' : ''}`
          : `Machine "${r.name}" is ${r.state.toLowerCase()}.${r.certificatesReissued ? ' Its address changed: new server certificate issued.' : ''}`,
    );
  }
}
