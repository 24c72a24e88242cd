import { Flags } from '@oclif/core';
import { MachineCommand } from '../cli/base-command';
import { machineNameArg } from '../cli/machine-arg';
import { OperationError, UsageError } from '../core/errors';
import { interruptedCreateMessage, isInterruptedCreate } from '../services/interrupted-create';
import type { MachineRecord } from '../core/machine-record';

export default class Inspect extends MachineCommand<typeof Inspect> {
  static override summary = "show a machine's stored record";
  static override description = 'Prints config.json as JSON. The record holds no secrets; paths are relative to the store.';
  static override examples = ['<%= config.bin %> inspect dev1', "<%= config.bin %> inspect dev1 --format '{{.driverConfig.ipAddress}}'"];
  static override enableJsonFlag = true;
  static override args = machineNameArg;
  static override flags = {
    format: Flags.string({ char: 'f', description: 'print one field: {{.path.to.field}}' }),
  };

  async run(): Promise<MachineRecord> {
    const name = await this.app.resolveName(this.args.name);
    const entry = await this.app.store.entry(name);
    // What is wrong with a record that does not read, rather than only that it does not.
    if (entry && 'problem' in entry) throw new OperationError('RECORD_INVALID', `machine "${name}" cannot be inspected: ${entry.problem}`, [`\`machine rm ${name}\` removes it`]);
    const record = await this.app.store.load(name);
    if (await isInterruptedCreate(record)) this.warn(`machine "${name}" is Error (interrupted): ${interruptedCreateMessage(record)}`);
    if (this.flags.format) this.log(formatRecord(record, this.flags.format));
    else if (!this.jsonEnabled()) this.log(JSON.stringify(record, null, 2));
    return record;
  }
}

/** Fills {{.a.b}} placeholders from the record; objects print as JSON. */
export function formatRecord(record: MachineRecord, format: string): string {
  return format.replace(/\{\{\s*\.([\w.-]*)\s*\}\}/g, (_all, fieldPath: string) => {
    let value: unknown = record;
    for (const key of fieldPath.split('.').filter(Boolean)) {
      if (typeof value !== 'object' || value === null || !(key in value)) throw new UsageError(`inspect --format: no field "${fieldPath}" in the record`);
      value = (value as Record<string, unknown>)[key];
    }
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}
