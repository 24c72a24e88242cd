import type { MachineApp } from './app';
import type { Driver } from '../core/driver';
import type { MachineRecord, MachineState } from '../core/machine-record';

/** A machine's state as a batched call answered it, or why the batch failed. */
export type BatchedState = { state: MachineState } | { error: unknown };

/**
 * Starts asking the drivers that can batch (`Driver.batchStates`) for the states of many machines at
 * once, and answers at once, per machine name, a promise of its batched state: undefined when its
 * driver cannot batch or left it out, and the machine is then asked alone. Only records whose state
 * `ls` asks a driver for take part (not those creating or failed). The promises never reject.
 */
export function startBatchedStates(app: MachineApp, records: readonly MachineRecord[]): Map<string, Promise<BatchedState | undefined>> {
  const byDriver = new Map<string, MachineRecord[]>();
  for (const record of records) {
    if (record.status === 'creating' || record.status === 'error') continue;
    byDriver.set(record.driver, [...(byDriver.get(record.driver) ?? []), record]);
  }
  const answers = new Map<string, Promise<BatchedState | undefined>>();
  for (const group of byDriver.values()) {
    if (group.length < 2) continue;
    const batch = batchGroup(app, group);
    for (const record of group) answers.set(record.name, batch.then((states) => states.get(record.name)));
  }
  return answers;
}

async function batchGroup(app: MachineApp, group: readonly MachineRecord[]): Promise<Map<string, BatchedState>> {
  const answered = new Map<string, BatchedState>();
  const opened = await Promise.all(group.map(async (record) => ({ record, driver: await app.driverFor(record).catch(() => undefined) })));
  let remaining = opened.filter((o): o is { record: MachineRecord; driver: Driver } => o.driver?.batchStates !== undefined);
  while (remaining.length > 0) {
    const [leader] = remaining;
    if (!leader?.driver.batchStates) break;
    try {
      const states = await leader.driver.batchStates(remaining.map((o) => o.driver));
      for (const o of remaining) {
        const state = states.get(o.driver);
        if (state !== undefined) answered.set(o.record.name, { state });
      }
    } catch (error) {
      // The batch call itself failed (throttled past its retries, refused): each machine it stood for says why.
      for (const o of remaining) answered.set(o.record.name, { error });
      break;
    }
    // The leader always counts as answered, so the loop ends even for a driver that answers for none.
    remaining = remaining.filter((o) => o !== leader && !answered.has(o.record.name));
  }
  return answered;
}
