import { promises as fs, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { QemuConfig } from '../../drivers/qemu/config';
import { QemuDriver } from '../../drivers/qemu/qemu-driver';
import { waitForState } from '../../src/services/wait-state';
import { FakeClock } from '../helpers/fake-clock';

/**
 * waitForState against a real driver whose state follows files on disk: the QEMU driver says NotFound
 * without a disk and Stopped with one. The test makes the disk appear during a pause of the wait, as a
 * machine would change state while `machine` waits; the fake clock makes minutes of waiting instant.
 */
const config: QemuConfig = { image: '/images/base.qcow2', cpus: 1, memoryMb: 512, diskSize: '4G', accel: 'tcg', sshUser: 'docker' };
let machineDir: string;
let driver: QemuDriver;

beforeEach(async () => {
  const store = await fs.mkdtemp(path.join(os.tmpdir(), 'wait-state-'));
  machineDir = path.join(store, 'machines', 'dev1');
  await fs.mkdir(machineDir, { recursive: true });
  driver = new QemuDriver({ machineName: 'dev1', machineDir, storePath: store, config, state: {}, resources: [] });
});
afterEach(() => fs.rm(path.dirname(path.dirname(machineDir)), { recursive: true, force: true }));

// Synchronous, so the disk is there before the wait's next look.
const makeDisk = () => writeFileSync(path.join(machineDir, 'disk.qcow2'), '');

it('returns once the machine reaches the state, polling at the interval', async () => {
  const clock = new FakeClock();
  clock.onSleep = () => {
    if (clock.sleeps.length === 3) makeDisk();
  };
  await waitForState(driver, 'Stopped', 300_000, undefined, 1_000, clock);
  expect(clock.sleeps).toEqual([1_000, 1_000, 1_000]);
});

it('names the wanted and the last state when time runs out', async () => {
  const clock = new FakeClock();
  await expect(waitForState(driver, 'Stopped', 300_000, undefined, 1_000, clock)).rejects.toMatchObject({
    code: 'STATE_TIMEOUT',
    message: 'the machine did not become Stopped within 300s (last state: NotFound)',
  });
  expect(clock.sleeps).toHaveLength(300);
});

it('stops at once, saying what it waited for, when the user interrupts', async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  clock.onSleep = () => {
    if (clock.sleeps.length === 2) controller.abort();
  };
  await expect(waitForState(driver, 'Running', 300_000, controller.signal, 1_000, clock)).rejects.toMatchObject({
    code: 'INTERRUPTED',
    message: 'interrupted while waiting for the machine to be Running',
  });
  expect(clock.sleeps).toHaveLength(2);
});
