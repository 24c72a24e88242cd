import { Args } from '@oclif/core';
import type { LifecycleOperation } from '../core/driver';
import { type LifecycleOutcome, runLifecycle } from '../core/services/lifecycle';
import { Progress, humanSink, jsonSink } from '../core/services/progress';
import { MachineCommand } from './base-command';

/** start, stop, restart and kill: the same shape, one operation each; several machines run concurrently. */
export abstract class LifecycleCommand extends MachineCommand<typeof LifecycleCommand> {
  static override enableJsonFlag = true;
  static override strict = false;
  static override args = { names: Args.string({ description: 'machine names (default: the machine named "default")' }) };

  protected abstract readonly operation: LifecycleOperation;

  async run(): Promise<LifecycleOutcome[]> {
    const names = this.positionals;
    const targets = names.length > 0 ? names : [await this.app.resolveName(undefined)];
    const write = (line: string) => this.logToStderr(line);
    const results = await Promise.all(
      targets.map(async (name) => {
        const record = await this.app.store.load(name);
        const progress = new Progress(this.jsonEnabled() ? jsonSink(write) : humanSink((l) => write(`${name}: ${l.trim()}`)));
        return runLifecycle(this.app, record, this.operation, progress);
      }),
    );
    for (const r of results) {
      if (r.alreadyThere) this.log(`Machine "${r.name}" is already ${r.state.toLowerCase()}.`);
      else this.log(`Machine "${r.name}" is ${r.state.toLowerCase()}.${r.certificatesReissued ? ' Its address changed: new server certificate issued.' : ''}`);
    }
    return results;
  }
}
