import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readIfExists } from '../../../../src/util/read-if-exists';
import { runProcess } from '../../../../src/util/run-process';
import { pollUntil } from '../../../../src/util/wait';
import { renderMetaData, renderUserData } from '../cloud-init-seed';
import { readSshBanner } from '../ssh-wait';
import { type ImageVariant, VmStartError, type VmProcess, hostForwards, startVm } from '../vm';
import type { GuestHandle, GuestSpec, VmBackend } from './backend';

/**
 * VMs as real QEMU guests (TCG) booted from the harness image. Each VM has its own qcow2 overlay that
 * lives until the VM is deleted, so deallocate and start keep its files; cloud-init keeps the instance
 * id, so the user, key and host keys made at first boot stay. Each of the VM's addresses forwards the
 * ports its security group allows into the guest, as its IPs do on Azure.
 */
export function qemuVmBackend(variant: ImageVariant, memoryMb = 1024): VmBackend {
  const root = fs.mkdtemp(path.join(os.tmpdir(), 'machine-local-azure-'));
  const running = new Set<VmProcess>();
  const dirOf = async (vmId: string) => path.join(await root, vmId);

  return {
    async boot(spec: GuestSpec): Promise<GuestHandle> {
      const dir = await dirOf(spec.vmId);
      await fs.mkdir(dir, { recursive: true });
      const seedPath = path.join(dir, 'seed.iso');
      if (!existsSync(seedPath)) await writeAzureSeed(dir, spec);
      // Only local addresses can be bound; a static private IP of the user's own plan is not one.
      const addresses = spec.addresses.filter((a) => a.startsWith('127.'));
      let vm: VmProcess;
      try {
        vm = await startVm({
          variant,
          overlayPath: path.join(dir, 'disk.qcow2'),
          seedPath,
          serialLogPath: path.join(dir, 'serial.log'),
          forwards: addresses.flatMap((address) => hostForwards(address, spec.ports.map((port) => ({ host: port, guest: port })))),
          memoryMb,
          qmpSocket: path.join(dir, 'qmp.sock'),
        });
      } catch (err) {
        if (err instanceof VmStartError && err.forwardTaken) throw new Error(`QEMU could not forward ${addresses.join(', ')} ports ${spec.ports.join(', ')}: ${err.stderr.trim()}`);
        throw err;
      }
      running.add(vm);
      void vm.exited.then(() => running.delete(vm));
      return {
        serialLog: async () => (await readIfExists(vm.serialLogPath)) ?? '',
        ready: async (timeoutMs) => {
          const first = addresses[0];
          if (!first || !spec.ports.includes(22)) return;
          const up = await pollUntil(async () => {
            if (!vm.isRunning()) throw new Error(`the guest exited during boot: ${vm.stderr().trim()}`);
            return (await readSshBanner(first, 22, 5_000)) !== null ? true : undefined;
          }, { timeoutMs, intervalMs: 1_000 });
          if (!up) throw new Error(`the guest did not answer SSH on ${first} within ${Math.round(timeoutMs / 1000)} s`);
        },
        isRunning: () => vm.isRunning(),
        powerDown: async (timeoutMs) => {
          await vm.powerdown(timeoutMs);
        },
        kill: () => vm.kill(),
      };
    },
    async discard(vmId: string) {
      await fs.rm(await dirOf(vmId), { recursive: true, force: true });
    },
    async close() {
      await Promise.all([...running].map((vm) => vm.kill()));
      await fs.rm(await root, { recursive: true, force: true });
    },
  };
}

/**
 * The NoCloud seed of an Azure VM: the admin user and its key (what Azure's provisioning makes from
 * osProfile) and, when given, the custom data as a second part of a MIME multipart user data, which is
 * how cloud-init takes several inputs at once.
 */
async function writeAzureSeed(dir: string, spec: GuestSpec): Promise<void> {
  const seed = { instanceId: spec.vmId, hostname: spec.hostname, user: spec.user, authorizedKey: spec.authorizedKey, passwordlessSudo: true };
  const sourceDir = path.join(dir, 'seed');
  await fs.mkdir(sourceDir, { recursive: true });
  const osProfile = renderUserData(seed);
  const userData = spec.customData === undefined ? osProfile : multipart([{ type: 'text/cloud-config', name: 'os-profile.cfg', text: osProfile }, { type: partType(spec.customData), name: 'custom-data', text: spec.customData }]);
  await fs.writeFile(path.join(sourceDir, 'user-data'), userData);
  await fs.writeFile(path.join(sourceDir, 'meta-data'), renderMetaData(seed));
  await runProcess('genisoimage', ['-quiet', '-output', path.join(dir, 'seed.iso'), '-volid', 'cidata', '-joliet', '-rock', path.join(sourceDir, 'user-data'), path.join(sourceDir, 'meta-data')], { timeoutMs: 60_000 });
}

function partType(text: string): string {
  if (text.startsWith('#cloud-config')) return 'text/cloud-config';
  if (text.startsWith('#!')) return 'text/x-shellscript';
  if (text.startsWith('#cloud-boothook')) return 'text/cloud-boothook';
  return 'text/plain';
}

function multipart(parts: Array<{ type: string; name: string; text: string }>): string {
  const boundary = '==machine-local-azure==';
  const body = parts.map((p) => [`--${boundary}`, `Content-Type: ${p.type}; charset="utf-8"`, 'MIME-Version: 1.0', 'Content-Transfer-Encoding: 8bit', `Content-Disposition: attachment; filename="${p.name}"`, '', p.text.endsWith('\n') ? p.text : `${p.text}\n`].join('\n'));
  return [`Content-Type: multipart/mixed; boundary="${boundary}"`, 'MIME-Version: 1.0', '', ...body, `--${boundary}--`, ''].join('\n');
}
