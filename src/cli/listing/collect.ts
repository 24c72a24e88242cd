import { errorMessage } from '../../core/errors';
import type { LsRow } from './ls-row';

export interface CollectOptions<M> {
  /** Each probe's own budget, counted from when that probe starts. */
  timeoutMs: number;
  /** How many probes run at once (docker-machine ran one goroutine per machine, unbounded). */
  concurrency?: number;
  /** The row shown when a probe times out or fails, before the failure is written into it. */
  fallbackRow?: (machine: M) => LsRow;
}

/**
 * Probes mostly wait on the network, so lanes are cheap; 64 starts a fleet of 50 at once. A machine
 * started after a lane frees gets its whole timeout from then, so with more machines than lanes the
 * listing can take longer than one timeout.
 */
const DEFAULT_CONCURRENCY = 64;

/**
 * Probes every machine concurrently and returns one row per machine, in input order. A probe that
 * does not finish within the timeout is reported as `Timeout` at that moment (its signal is aborted
 * so it can stop its work) and never holds back the others; a probe that throws becomes an `Error`
 * row. So `ls` takes about one timeout, not the sum of them.
 */
export async function collectRows<M extends { name: string; driver?: string }>(
  machines: readonly M[],
  probe: (machine: M, signal: AbortSignal) => Promise<LsRow>,
  options: CollectOptions<M>,
): Promise<LsRow[]> {
  const fallback = options.fallbackRow ?? defaultRow;
  const rows: LsRow[] = new Array<LsRow>(machines.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < machines.length) {
      const index = next++;
      rows[index] = await probeWithTimeout(machines[index], probe, options.timeoutMs, fallback);
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, machines.length));
  await Promise.all(Array.from({ length: lanes }, worker));
  return rows;
}

function probeWithTimeout<M>(machine: M, probe: (machine: M, signal: AbortSignal) => Promise<LsRow>, timeoutMs: number, fallback: (machine: M) => LsRow): Promise<LsRow> {
  const controller = new AbortController();
  return new Promise<LsRow>((resolve) => {
    const timer = setTimeout(() => {
      const message = `timed out after ${formatSeconds(timeoutMs)}`;
      controller.abort(new Error(message));
      resolve({ ...fallback(machine), active: '', state: 'Timeout', errors: message });
    }, timeoutMs);
    // Promise.resolve().then: a probe that throws synchronously is handled like one that rejects.
    Promise.resolve()
      .then(() => probe(machine, controller.signal))
      .then(
        (row) => resolve(row),
        (err: unknown) => resolve({ ...fallback(machine), state: 'Error', errors: errorMessage(err) }),
      )
      .finally(() => clearTimeout(timer));
  });
}

function defaultRow(machine: { name: string; driver?: string }): LsRow {
  return { name: machine.name, active: '', driver: machine.driver ?? '', state: '', url: '', docker: '', errors: '', labels: [] };
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}
