import type { Driver } from '../core/driver';
import { OperationError } from '../core/errors';
import type { MachineState } from '../core/machine-record';

/** Polls the driver until the machine reaches `wanted`; the timeout names what was awaited. */
export async function waitForState(driver: Driver, wanted: MachineState, timeoutMs: number, signal?: AbortSignal, intervalMs = 1_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: MachineState = 'Unknown';
  for (;;) {
    last = await driver.state();
    if (last === wanted) return;
    if (signal?.aborted) throw new OperationError('INTERRUPTED', `interrupted while waiting for the machine to be ${wanted}`);
    if (Date.now() >= deadline) {
      throw new OperationError('STATE_TIMEOUT', `the machine did not become ${wanted} within ${Math.round(timeoutMs / 1000)}s (last state: ${last})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
