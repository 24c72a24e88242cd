import { ExitCode, MachineError, errorMessage } from '../core/errors';

/** How one machine of a several-machine command fared. */
export type MachineOutcome<T> = { name: string; ok: true; result: T } | { name: string; ok: false; error: { code: string; message: string } };

export interface EachMachineReport<T> {
  /** A machine's success, in the order the machines were named. */
  succeeded(result: T): void;
  /** A machine's failure, in the same order: the others still ran and are still reported. */
  failed(name: string, message: string): void;
}

/**
 * Runs `work` for every named machine at once and reports each one's result: one machine's failure
 * never hides the others' outcome. When one machine was named, its error is thrown as it is (so a
 * single-machine command fails exactly as before). When several were and any failed, a summary error
 * follows the reports, exiting with the failures' common exit code (1 when they differ) and carrying
 * every outcome for --json.
 */
export async function forEachMachine<T>(names: readonly string[], work: (name: string) => Promise<T>, report: EachMachineReport<T>): Promise<T[]> {
  const settled = await Promise.allSettled(names.map((name) => work(name)));
  if (names.length === 1 && settled[0]?.status === 'rejected') throw settled[0].reason;

  const outcomes: MachineOutcome<T>[] = settled.map((s, i) => {
    const name = names[i] ?? '';
    return s.status === 'fulfilled' ? { name, ok: true, result: s.value } : { name, ok: false, error: describe(s.reason) };
  });
  for (const outcome of outcomes) {
    if (outcome.ok) report.succeeded(outcome.result);
    else report.failed(outcome.name, outcome.error.message);
  }
  const failures = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ name: names[i] ?? '', reason: s.reason as unknown }] : []));
  if (failures.length === 0) return outcomes.flatMap((o) => (o.ok ? [o.result] : []));

  const exits = new Set(failures.map((f) => (f.reason instanceof MachineError ? f.reason.exit : ExitCode.failed)));
  const [onlyExit] = exits;
  throw new MachineError(`${failures.length} of ${names.length} machines failed: ${failures.map((f) => f.name).join(', ')}`, {
    code: 'SOME_MACHINES_FAILED',
    exit: exits.size === 1 && onlyExit !== undefined ? onlyExit : ExitCode.failed,
    details: { outcomes },
  });
}

function describe(reason: unknown): { code: string; message: string } {
  if (reason instanceof MachineError) {
    const advice = reason.suggestions.length > 0 ? ` (${reason.suggestions.join('; ')})` : '';
    return { code: reason.code, message: `${reason.message}${advice}` };
  }
  return { code: 'BUG', message: `unexpected error (a bug; --debug shows more): ${errorMessage(reason)}` };
}
