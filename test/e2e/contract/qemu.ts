import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { findDriver } from '../../../src/services/driver-registry';
import { readIfExists } from '../../../src/util/read-if-exists';
import { pollUntil } from '../../../src/util/wait';
import { ensureImage } from '../harness/vm';
import type { BackingResource, ContractBacking, ContractMachine } from './backing';
import { machineFolderResources } from './machine-folder';

/** The driver's files in the machine folder, by the journal kind that makes remove delete them. */
const FILE_KINDS: Record<string, string> = {
  'disk.qcow2': 'qemu-disk',
  'seed.iso': 'qemu-seed',
  seed: 'qemu-seed',
  // Written by QEMU itself, or beside its pidfile, once it runs.
  'serial.log': 'qemu-process',
  'qemu.pid': 'qemu-process',
  'qemu.identity.json': 'qemu-process',
  'qmp.sock': 'qemu-process',
};

/**
 * The qemu driver's backing is this machine: QEMU processes under TCG, files in the machine folder,
 * and the store's port reservations. Processes are found by their command line naming the machine
 * folder, so a process the driver lost track of (no pidfile) is still found.
 */
export function qemuBacking(): ContractBacking {
  let imageDir = '';
  let append = '';
  let storeRoot = '';
  return {
    driver: 'qemu',
    vanished: { state: 'NotFound' },
    async setUp(storePath) {
      storeRoot = storePath;
      imageDir = await ensureImage('base');
      append = (JSON.parse(await fs.readFile(path.join(imageDir, 'manifest.json'), 'utf8')) as { append: string }).append;
    },
    configFor() {
      return findDriver('qemu').configFromFlags({
        'qemu-image': path.join(imageDir, 'disk.qcow2'),
        'qemu-kernel': path.join(imageDir, 'vmlinuz'),
        'qemu-initrd': path.join(imageDir, 'initrd.img'),
        'qemu-append': append,
        'qemu-accel': 'tcg',
        'qemu-cpus': 2,
        'qemu-memory': 1024,
        'qemu-disk-size': '10G',
      });
    },
    // Local tools (qemu-img, the ISO writer, QEMU) have no switch to fail one call; interrupts cover their steps.
    refusals: [],
    refuseNext: () => undefined,
    stopRefusing: () => undefined,
    processEnv: () => ({}),
    async leftovers(machine) {
      return [...(await reservedPorts(machine)), ...(await machineFolderResources(machine.dir, FILE_KINDS)), ...(await qemuProcesses(machine.dir))];
    },
    async vanish(machine) {
      // What a user's `rm -rf` of the disk and a kill of the VM do, or a host reboot that lost both.
      for (const process of await qemuProcesses(machine.dir)) killProcess(Number(process.journaledAs[0]?.id));
      const gone = await pollUntil(async () => ((await qemuProcesses(machine.dir)).length === 0 ? true : undefined), { timeoutMs: 10_000, intervalMs: 100 });
      if (!gone) throw new Error(`QEMU of ${machine.name} survived SIGKILL`);
      await fs.rm(path.join(machine.dir, 'disk.qcow2'), { force: true });
    },
    async tearDown() {
      // A failed test may have left VMs of this store running: they are ours (their command line names the store).
      if (storeRoot) for (const process of await qemuProcesses(storeRoot)) killProcess(Number(process.journaledAs[0]?.id));
    },
  };
}

async function reservedPorts(machine: ContractMachine): Promise<BackingResource[]> {
  const text = await readIfExists(path.join(machine.storePath, 'qemu', 'ports.json'));
  if (text === undefined) return [];
  const owners = JSON.parse(text) as Record<string, string>;
  return Object.entries(owners)
    .filter(([, owner]) => owner === machine.name)
    .map(([port]) => ({ description: `port ${port} reserved in qemu/ports.json`, journaledAs: [{ kind: 'qemu-ports', id: machine.name }] }));
}

/** Live QEMU processes whose command line names `dir` (zombies have an empty command line and do not count). */
async function qemuProcesses(dir: string): Promise<BackingResource[]> {
  const found: BackingResource[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (await readIfExists(`/proc/${entry}/cmdline`).catch(() => undefined))?.split('\0') ?? [];
    if (!path.basename(args[0] ?? '').startsWith('qemu-system') || !args.some((arg) => arg.includes(dir))) continue;
    found.push({ description: `QEMU process ${entry}`, journaledAs: [{ kind: 'qemu-process', id: entry }] });
  }
  return found;
}

function killProcess(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
