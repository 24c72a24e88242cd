import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MachineError, OperationError, errorMessage } from '../errors';
import { currentProcess, processLiveness } from '../process-identity';
import { entryKind, errorCode } from './no-follow';
import { type LockHolder, describeHolder, parseHolder } from './lock-holder';
import { recordLockHold } from './lock-hold-log';
import { storeNotWritable } from './not-writable';

/*
 * The cross-process store lock. Everything that must not interleave between two `machine` processes
 * (creating the CA, reserving a name, allocating ports) runs inside `withStoreLock`.
 *
 * The lock is the file STORE/.lock, created exclusively (O_EXCL) with its holder in it: pid, process
 * start time, host and command. A waiter can therefore say what it waits for, and break at once a lock
 * whose holder is dead on this host. A holder on another host (a shared store) refreshes the file's
 * mtime; one silent for STALE_MS is taken for dead. Taking a lock away goes through a rename, so two
 * waiters that both judged one holder dead cannot remove each other's fresh lock.
 */

const LOCK_FILE = '.lock';
const POLL_MS = 200;
const ANNOUNCE_AFTER_MS = 1_000;
const REFRESH_MS = 5_000;
const STALE_MS = 30_000;
/** A lock file still empty this long after it was made belongs to a process that died making it. */
const EMPTY_GRACE_MS = 5_000;
/** proper-lockfile's stale time, for a lock folder left by an earlier release. */
const LEGACY_STALE_MS = 15_000;

export interface StoreLockOptions {
  /** Stops the wait (Ctrl-C): the work never runs and nothing is reserved. */
  signal?: AbortSignal;
  /** How long to wait for another command's lock. */
  waitMs?: number;
  /** What the holder does, shown to commands that wait (e.g. "create web1"). Default: the command line's first word. */
  purpose?: string;
  /** Where the waiting and breaking lines go. Default: stderr. */
  notify?: (line: string) => void;
}

/** Exit codes of a command ended by SIGINT or SIGTERM (128 + the signal), as shells report them. */
const INTERRUPTED_EXIT = 130;
const TERMINATED_EXIT = 143;

export async function withStoreLock<T>(storeRoot: string, work: () => Promise<T>, options: StoreLockOptions = {}): Promise<T> {
  const lockPath = path.join(storeRoot, LOCK_FILE);
  const holder: LockHolder = { ...currentProcess(), command: options.purpose ?? `machine ${process.argv[2] ?? ''}`.trim(), since: new Date().toISOString() };
  const content = JSON.stringify(holder);
  const asked = performance.now();
  await acquire(storeRoot, lockPath, content, options);
  const got = performance.now();
  const refresh = setInterval(() => void fs.utimes(lockPath, new Date(), new Date()).catch(() => undefined), REFRESH_MS);
  refresh.unref();
  try {
    return await work();
  } finally {
    clearInterval(refresh);
    await takeAway(lockPath, content).catch(() => undefined);
    recordLockHold({ purpose: holder.command, pid: process.pid, waitMs: Math.round(got - asked), holdMs: Math.round(performance.now() - got) });
  }
}

async function acquire(storeRoot: string, lockPath: string, content: string, options: StoreLockOptions): Promise<void> {
  const waitMs = options.waitMs ?? 120_000;
  const notify = options.notify ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = Date.now();
  let announced = false;
  await fs.mkdir(storeRoot, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
    throw notWritable(storeRoot, err);
  });
  for (;;) {
    if (options.signal?.aborted) throw interrupted(options.signal);
    if (await tryCreate(storeRoot, lockPath, content)) return;
    const kind = await entryKind(lockPath);
    if (kind === 'missing') continue; // released between our attempt and this look: try again at once
    let verdict: { dead: boolean; who: string };
    if (kind === 'directory') {
      // Releases before this one locked with a folder (proper-lockfile), refreshing its mtime while held.
      verdict = { dead: (await ageOf(lockPath)) > LEGACY_STALE_MS, who: 'a machine command of an earlier release' };
      if (verdict.dead && (await fs.rmdir(lockPath).then(() => true, () => false))) {
        notify(`The store lock was held by ${verdict.who}, which is no longer running: lock broken.`);
        continue;
      }
    } else {
      const found = await fs.readFile(lockPath, 'utf8').catch(() => '');
      verdict = await judge(lockPath, found);
      if (verdict.dead) {
        if (await takeAway(lockPath, found)) notify(`The store lock was held by ${verdict.who}, which is no longer running: lock broken.`);
        continue;
      }
    }
    const waited = Date.now() - started;
    if (!announced && waited >= ANNOUNCE_AFTER_MS) {
      notify(`Waiting for the store lock at ${storeRoot}: held by ${verdict.who} (Ctrl-C stops waiting)...`);
      announced = true;
    }
    if (waited >= waitMs) {
      throw new OperationError('STORE_LOCKED', `the store at ${storeRoot} is locked by ${verdict.who}, and it did not free up within ${Math.round(waited / 1000)}s`, [
        'wait for that command to finish, then try again',
      ]);
    }
    await sleep(POLL_MS, options.signal);
  }
}

/** True when this process now holds the lock; false when another does. */
async function tryCreate(storeRoot: string, lockPath: string, content: string): Promise<boolean> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(lockPath, 'wx', 0o600);
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return false;
    throw notWritable(storeRoot, err);
  }
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  return true;
}

/** How long ago the lock was made or last refreshed. */
function ageOf(lockPath: string): Promise<number> {
  return fs.lstat(lockPath).then(
    (s) => Date.now() - s.mtimeMs,
    () => 0,
  );
}

async function judge(lockPath: string, found: string): Promise<{ dead: boolean; who: string }> {
  const holder = parseHolder(found);
  const age = await ageOf(lockPath);
  if (!holder) {
    // Empty or unreadable: being written right now, or its writer died in between.
    return { dead: age > EMPTY_GRACE_MS, who: 'a machine command that did not say which' };
  }
  const who = describeHolder(holder);
  const liveness = await processLiveness(holder);
  return { dead: liveness === 'dead' || (liveness === 'unknown' && age > STALE_MS), who };
}

/**
 * Removes the lock file if it still holds `expected`: renamed aside first (atomic), then checked, and
 * put back should it have turned out to be another holder's. True when the expected lock was removed.
 */
async function takeAway(lockPath: string, expected: string): Promise<boolean> {
  const aside = `${lockPath}.${randomBytes(6).toString('hex')}`;
  try {
    await fs.rename(lockPath, aside);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return false;
    throw err;
  }
  const found = await fs.readFile(aside, 'utf8').catch(() => undefined);
  if (found !== expected) {
    // Someone else's: hand it back (link fails only if yet another lock appeared meanwhile).
    await fs.link(aside, lockPath).catch(() => undefined);
    await fs.rm(aside, { force: true });
    return false;
  }
  await fs.rm(aside, { force: true });
  return true;
}

/** The wait stopped by the user: 130 as for Ctrl-C, or 143 when the command aborted its signal for SIGTERM. */
function interrupted(signal: AbortSignal): MachineError {
  const byTerm = signal.reason === 'SIGTERM';
  return new MachineError(`${byTerm ? 'stopped (SIGTERM)' : 'interrupted'} while waiting for the store lock: nothing was changed`, {
    code: 'INTERRUPTED',
    exit: byTerm ? TERMINATED_EXIT : INTERRUPTED_EXIT,
  });
}

function notWritable(storeRoot: string, err: unknown): MachineError {
  return storeNotWritable(storeRoot, err) ?? new OperationError('STORE_LOCK_FAILED', `could not take the store lock at ${storeRoot}: ${errorMessage(err)}`, [], err);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
