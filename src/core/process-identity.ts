import { readFileSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import type { ProcessIdentity } from './machine-record';

/** Field 22 of /proc/PID/stat (start time in clock ticks after boot); the command name before it may hold spaces or ')'. */
function startTimeFromStat(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] || undefined;
}

let self: ProcessIdentity | undefined;

/** This process, as another process will later check it. */
export function currentProcess(): ProcessIdentity {
  if (!self) {
    let startTime: string | undefined;
    try {
      startTime = startTimeFromStat(readFileSync('/proc/self/stat', 'utf8'));
    } catch {
      // Not Linux: the PID alone has to do.
    }
    self = { pid: process.pid, hostname: os.hostname(), ...(startTime ? { startTime } : {}) };
  }
  return self;
}

/**
 * Whether the process still runs: 'dead' only when sure (same host, and the PID is gone, a zombie, or
 * now another process with a different start time); 'unknown' for another host's process.
 */
export async function processLiveness(identity: ProcessIdentity): Promise<'alive' | 'dead' | 'unknown'> {
  if (identity.hostname !== os.hostname()) return 'unknown';
  if (identity.pid === process.pid) {
    // Our own PID: the recorded process is this one, unless it started at another time (a PID reused).
    const own = currentProcess().startTime;
    return identity.startTime === undefined || own === undefined || identity.startTime === own ? 'alive' : 'dead';
  }
  try {
    process.kill(identity.pid, 0);
  } catch (err) {
    // EPERM: it exists and belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return 'dead';
  }
  const stat = await fs.readFile(`/proc/${identity.pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return 'alive';
  const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  if (state === 'Z' || state === 'X') return 'dead';
  if (identity.startTime !== undefined && startTimeFromStat(stat) !== identity.startTime) return 'dead';
  return 'alive';
}
