import { Args } from '@oclif/core';
import type { LifecycleOperation } from '../core/driver';
import { type LifecycleOutcome, runLifecycle } from '../services/lifecycle';
import { MachineCommand } from './base-command';

/** start, stop, restart and kill: the same shape, one operation each; several machines run concurrently. */
export abstract class LifecycleCommand extends MachineCommand<typeof LifecycleCommand> {
  static override enableJsonFlag = true;
  static override strict = false;
  static override args = { names: Args.string({ description: 'machine names (default: the machine named "default")' }) };

  protected abstract readonly operation: LifecycleOperation;

  async run(): Promise<LifecycleOutcome[]> {
    const targets = await this.targetNames();
    const results = await Promise.all(
      targets.map(async (name) => {
        const record = await this.app.store.load(name);
        return runLifecycle(this.app, record, this.operation, this.progress(name));
      }),
    );
    for (const r of results) {
      if (r.alreadyThere) this.log(`Machine "${r.name}" is already ${r.state.toLowerCase()}.${r.certificatesReissued ? ' Its address had changed: record updated, new server certificate issued.' : ''}`);
      else this.log(`Machine "${r.name}" is ${r.state.toLowerCase()}.${r.certificatesReissued ? ' Its address changed: new server certificate issued.' : ''}`);
    }
    return results;
  }
}
