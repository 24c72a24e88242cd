import type { Driver } from '../core/driver';
import { OperationError } from '../core/errors';
import type { MachineState } from '../core/machine-record';
import { pollUntil, type Clock } from '../util/wait';

/** Polls the driver until the machine reaches `wanted`; the timeout names what was awaited. */
export async function waitForState(driver: Driver, wanted: MachineState, timeoutMs: number, signal?: AbortSignal, intervalMs = 1_000, clock?: Clock): Promise<void> {
  let last: MachineState = 'Unknown';
  const reached = await pollUntil(
    async () => {
      last = await driver.state();
      return last === wanted ? true : undefined;
    },
    {
      timeoutMs,
      intervalMs,
      ...(signal ? { signal } : {}),
      ...(clock ? { clock } : {}),
      abortError: () => new OperationError('INTERRUPTED', `interrupted while waiting for the machine to be ${wanted}`),
    },
  );
  if (!reached) throw new OperationError('STATE_TIMEOUT', `the machine did not become ${wanted} within ${Math.round(timeoutMs / 1000)}s (last state: ${last})`);
}
