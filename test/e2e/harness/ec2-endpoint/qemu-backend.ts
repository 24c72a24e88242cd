import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readIfExists } from '../../../../src/util/read-if-exists';
import { writeSeedIso } from '../cloud-init-seed';
import { type ImageVariant, VmStartError, type VmProcess, hostForwards, startVm } from '../vm';
import type { GuestHandle, GuestSpec, InstanceBackend } from './backend';

const GUEST_PORTS = [22, 2376];

/**
 * Instances as real QEMU VMs (TCG) booted from the harness image. Each instance has its own qcow2
 * overlay that lives until termination, so stop/start keeps its files; cloud-init keeps the instance
 * id, so the user, key and host keys made at first boot stay. Each of the instance's addresses
 * forwards ports 22 and 2376 into the guest, as the instance's IPs do on EC2.
 */
export function qemuBackend(variant: ImageVariant, memoryMb = 1024): InstanceBackend {
  const root = fs.mkdtemp(path.join(os.tmpdir(), 'machine-fake-ec2-'));
  const running = new Set<VmProcess>();
  const dirOf = async (instanceId: string) => path.join(await root, instanceId);

  return {
    async boot(spec: GuestSpec): Promise<GuestHandle> {
      const dir = await dirOf(spec.instanceId);
      await fs.mkdir(dir, { recursive: true });
      const seedPath = path.join(dir, 'seed.iso');
      if (!existsSync(seedPath)) {
        await writeSeedIso(dir, { instanceId: spec.instanceId, hostname: spec.hostname, user: spec.user, authorizedKey: spec.authorizedKey, passwordlessSudo: true });
      }
      let vm: VmProcess;
      try {
        vm = await startVm({
          variant,
          overlayPath: path.join(dir, 'disk.qcow2'),
          seedPath,
          serialLogPath: path.join(dir, 'serial.log'),
          forwards: spec.addresses.flatMap((address) => hostForwards(address, GUEST_PORTS.map((port) => ({ host: port, guest: port })))),
          memoryMb,
          qmpSocket: path.join(dir, 'qmp.sock'),
        });
      } catch (err) {
        if (err instanceof VmStartError && err.forwardTaken) {
          throw new Error(`QEMU could not forward ${spec.addresses.join(', ')} ports 22 and 2376: is something listening on port 22 or 2376 of 0.0.0.0? ${err.stderr.trim()}`);
        }
        throw err;
      }
      running.add(vm);
      void vm.exited.then(() => running.delete(vm));
      return {
        consoleText: async () => (await readIfExists(vm.serialLogPath)) ?? '',
        powerDown: async (timeoutMs) => {
          await vm.powerdown(timeoutMs);
        },
        kill: () => vm.kill(),
      };
    },
    async discard(instanceId: string) {
      await fs.rm(await dirOf(instanceId), { recursive: true, force: true });
    },
    async close() {
      await Promise.all([...running].map((vm) => vm.kill()));
      await fs.rm(await root, { recursive: true, force: true });
    },
  };
}
