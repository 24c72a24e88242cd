import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { withStoreLock } from '../../../src/core/store/lock';
import { LOCK_HOLD_LOG_ENV, parseLockHolds, recordLockHold } from '../../../src/core/store/lock-hold-log';
import { makeTempDir } from '../../helpers/tmp-store';

/** MACHINE_LOCK_HOLD_LOG: each release of the store lock appends how long it was waited for and held. */
let root: string;
let log: string;
const saved = process.env[LOCK_HOLD_LOG_ENV];

beforeEach(async () => {
  root = await makeTempDir();
  log = path.join(root, 'holds.ndjson');
  process.env[LOCK_HOLD_LOG_ENV] = log;
});
afterEach(async () => {
  if (saved === undefined) delete process.env[LOCK_HOLD_LOG_ENV];
  else process.env[LOCK_HOLD_LOG_ENV] = saved;
  await fs.rm(root, { recursive: true, force: true });
});

it('records one line per hold, with its purpose, and a hold lasts at least as long as its work', async () => {
  const store = path.join(root, 'store');
  await Promise.all([
    withStoreLock(store, () => new Promise((resolve) => setTimeout(resolve, 60)), { purpose: 'machine create a' }),
    withStoreLock(store, async () => undefined, { purpose: 'machine create b' }),
  ]);
  const holds = parseLockHolds(await fs.readFile(log, 'utf8'));
  expect(holds.map((h) => h.purpose).sort()).toEqual(['machine create a', 'machine create b']);
  expect(holds.every((h) => h.pid === process.pid && h.waitMs >= 0 && h.holdMs >= 0)).toBe(true);
  expect(holds.find((h) => h.purpose === 'machine create a')?.holdMs).toBeGreaterThanOrEqual(59);
});

it('a hold released by a failing work is recorded too', async () => {
  await expect(withStoreLock(path.join(root, 'store'), () => Promise.reject(new Error('boom')), { purpose: 'machine create c' })).rejects.toThrow('boom');
  expect(parseLockHolds(await fs.readFile(log, 'utf8')).map((h) => h.purpose)).toEqual(['machine create c']);
});

it('writes nothing without the variable, and a file it cannot write is no failure', async () => {
  recordLockHold({ purpose: 'x', pid: 1, waitMs: 0, holdMs: 0 }, {});
  recordLockHold({ purpose: 'x', pid: 1, waitMs: 0, holdMs: 0 }, { [LOCK_HOLD_LOG_ENV]: path.join(root, 'missing-dir', 'log') });
  await expect(fs.readdir(root)).resolves.toEqual([]);
});
