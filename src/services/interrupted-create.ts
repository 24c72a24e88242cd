import type { MachineRecord } from '../core/machine-record';
import { processLiveness } from '../core/process-identity';

/**
 * Whether a record still `creating` was left so by a process that is gone (killed, or the host
 * rebooted): nothing will ever finish it. A record without its creator (written by an older release)
 * or made on another host cannot be judged and counts as in progress.
 */
export async function isInterruptedCreate(record: MachineRecord): Promise<boolean> {
  if (record.status !== 'creating' || !record.creator) return false;
  return (await processLiveness(record.creator)) === 'dead';
}

export function interruptedCreateMessage(record: MachineRecord): string {
  const phase = record.createPhase ? ` during "${record.createPhase}"` : '';
  return `its create (pid ${record.creator?.pid ?? '?'}) ended without finishing${phase}; \`machine rm ${record.name}\` removes what it made`;
}
