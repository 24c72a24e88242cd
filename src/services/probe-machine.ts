import type { MachineApp } from './app';
import { errorMessage } from '../core/errors';
import { dockerUrl, type MachineRecord, type MachineState } from '../core/machine-record';
import { engineVersion } from '../engine/engine-client';
import { withEngineTarget } from './engine-access';
import { interruptedCreateMessage, isInterruptedCreate } from './interrupted-create';
import type { BatchedState } from './batch-states';

export interface MachineStatus {
  state: MachineState | 'Creating' | 'Error' | 'Error (interrupted)';
  dockerVersion?: string;
  error?: string;
  url?: string;
}

/**
 * What `ls` and `status` show: the live state from the driver, and, when running, the engine's
 * version over mutual TLS. Records still creating or failed report that without asking the driver.
 */
export async function probeMachine(
  app: MachineApp,
  record: MachineRecord,
  options: { withEngine: boolean; signal?: AbortSignal; batched?: Promise<BatchedState | undefined> },
): Promise<MachineStatus> {
  const url = dockerUrl(record);
  if (record.status === 'creating') {
    if (await isInterruptedCreate(record)) return { state: 'Error (interrupted)', error: interruptedCreateMessage(record), ...(url ? { url } : {}) };
    return { state: 'Creating', ...(url ? { url } : {}) };
  }
  if (record.status === 'error') return { state: 'Error', error: `${record.error?.phase ?? 'create'}: ${record.error?.message ?? 'failed'}`, ...(url ? { url } : {}) };
  let state: MachineState;
  try {
    // A listing's batched answer when there is one (see batch-states.ts), else the driver alone.
    const batched = await options.batched;
    if (batched && 'error' in batched) throw batched.error;
    state = batched ? batched.state : await (await app.driverFor(record)).state();
  } catch (err) {
    return { state: 'Error', error: errorMessage(err), ...(url ? { url } : {}) };
  }
  if (state !== 'Running' || !options.withEngine) return { state, ...(url ? { url } : {}) };
  try {
    const version = await withEngineTarget(app, record, (target) => engineVersion(target, { timeoutMs: 10_000, ...(options.signal ? { signal: options.signal } : {}) }));
    return { state, dockerVersion: `v${version.Version}`, ...(url ? { url } : {}) };
  } catch (err) {
    return { state, dockerVersion: 'Unknown', error: errorMessage(err), ...(url ? { url } : {}) };
  }
}
