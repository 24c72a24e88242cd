import { appendFileSync } from 'node:fs';

/**
 * Measuring how long the store lock is held, for the fleet bench and test: with
 * MACHINE_LOCK_HOLD_LOG=FILE, each release appends one JSON line `{"purpose","pid","waitMs","holdMs"}`
 * to FILE. One small O_APPEND write per line, so lines from many processes never interleave. Off (and
 * free) when the variable is unset; a failed write is ignored, since a measurement must not fail a command.
 */
export const LOCK_HOLD_LOG_ENV = 'MACHINE_LOCK_HOLD_LOG';

export interface LockHold {
  purpose: string;
  pid: number;
  /** From asking for the lock to getting it. */
  waitMs: number;
  /** From getting the lock to releasing it. */
  holdMs: number;
}

export function recordLockHold(hold: LockHold, env: NodeJS.ProcessEnv = process.env): void {
  const file = env[LOCK_HOLD_LOG_ENV];
  if (!file) return;
  try {
    appendFileSync(file, `${JSON.stringify(hold)}\n`, { mode: 0o600 });
  } catch {
    // A measurement hook: never a reason for the command to fail.
  }
}

/** The lines of a hold log, for whoever reads the measurements. */
export function parseLockHolds(text: string): LockHold[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LockHold);
}
