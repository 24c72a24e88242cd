import type { ProcessIdentity } from '../machine-record';

/** What the store lock file says about the process holding it. */
export interface LockHolder extends ProcessIdentity {
  /** What it is doing, for whoever waits ("machine create web1"). */
  command: string;
  /** When it took the lock (ISO 8601). */
  since: string;
}

/** The holder written in a lock file, or undefined for a file that is empty or not ours. */
export function parseHolder(text: string): LockHolder | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { pid, startTime, hostname, command, since } = value as Record<string, unknown>;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || typeof hostname !== 'string') return undefined;
  return {
    pid,
    hostname,
    ...(typeof startTime === 'string' ? { startTime } : {}),
    command: typeof command === 'string' ? command : 'a machine command',
    since: typeof since === 'string' ? since : '',
  };
}

export function describeHolder(holder: LockHolder): string {
  return `\`${holder.command}\` (pid ${holder.pid} on ${holder.hostname}${holder.since ? `, since ${holder.since}` : ''})`;
}
