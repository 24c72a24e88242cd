import { promises as fs } from 'node:fs';
import { readIfExists } from '../../src/util/read-if-exists';
import { pollUntil } from '../../src/util/wait';

/**
 * Is the QEMU named by a pidfile still ours? A pidfile outlives its process (host reboot, SIGKILL),
 * and the PID may since belong to something else. On Linux the process's start time (field 22 of
 * /proc/PID/stat, clock ticks since boot) must equal the one recorded at launch and its command line
 * must name the machine folder; elsewhere we can only ask whether the PID exists.
 */
export interface ProcessIdentity {
  pid: number;
  /** /proc start time recorded at launch; absent off Linux. */
  startTime?: string;
}

export async function readPidfile(pidfile: string): Promise<number | undefined> {
  const text = await readIfExists(pidfile);
  const pid = Number(text?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Fields after the command name, which is in parentheses and may itself contain spaces or ')'. */
export function parseProcStat(stat: string): { state: string; startTime: string } | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0 and field 22 (starttime) is index 19.
  const state = fields[0];
  const startTime = fields[19];
  return state && startTime ? { state, startTime } : undefined;
}

export async function procStat(pid: number): Promise<{ state: string; startTime: string } | undefined> {
  const text = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseProcStat(text);
}

export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function isOurProcess(identity: ProcessIdentity, machineDir: string): Promise<boolean> {
  if (process.platform !== 'linux') return pidExists(identity.pid);
  const stat = await procStat(identity.pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  if (identity.startTime !== undefined && stat.startTime !== identity.startTime) return false;
  const cmdline = await fs.readFile(`/proc/${identity.pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').some((arg) => arg.includes(machineDir));
}

/** True once the process is gone (or no longer ours), false if it still runs after timeoutMs. */
export async function waitForExit(identity: ProcessIdentity, machineDir: string, timeoutMs: number, intervalMs = 200): Promise<boolean> {
  const gone = await pollUntil(async () => ((await isOurProcess(identity, machineDir)) ? undefined : true), { timeoutMs, intervalMs });
  return gone === true;
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
