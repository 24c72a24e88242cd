import type { ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { trackChild } from '../child-reaper';
import { writeSeedIso } from '../cloud-init-seed';
import { runCommand } from '../run-command';
import { type ImageVariant, ensureImage, guestQemuArgs, hostForwards, killQemu, readManifest, spawnQemu, waitForExit } from '../vm';
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
  const running = new Set<ChildProcess>();
  const dirOf = async (instanceId: string) => path.join(await root, instanceId);

  return {
    async boot(spec: GuestSpec): Promise<GuestHandle> {
      const imageDir = await ensureImage(variant);
      const manifest = await readManifest(imageDir);
      const dir = await dirOf(spec.instanceId);
      await fs.mkdir(dir, { recursive: true });
      const overlayPath = path.join(dir, 'disk.qcow2');
      if (!existsSync(overlayPath)) {
        await runCommand('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', path.join(imageDir, manifest.disk), overlayPath]);
        await writeSeedIso(dir, { instanceId: spec.instanceId, hostname: spec.hostname, user: spec.user, authorizedKey: spec.authorizedKey, passwordlessSudo: true });
      }
      const serialLogPath = path.join(dir, 'serial.log');
      const qmpSocket = path.join(dir, 'qmp.sock');
      await fs.rm(qmpSocket, { force: true });
      const forwards = spec.addresses.flatMap((address) => hostForwards(address, GUEST_PORTS.map((port) => ({ host: port, guest: port }))));
      const child = spawnQemu(guestQemuArgs({ manifest, imageDir, overlayPath, seedPath: path.join(dir, 'seed.iso'), serialLogPath, forwards, memoryMb, qmpSocket }));
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const forget = trackChild(child, undefined);
      // QEMU fails within a second when a forward cannot bind.
      if (await waitForExit(child, 1_500)) {
        forget();
        const taken = /could not set up host forwarding rule/i.test(stderr) ? ` (is something else listening on port 22 or 2376 of 0.0.0.0? the fake EC2 needs ${spec.addresses.join(', ')} ports 22 and 2376)` : '';
        throw new Error(`QEMU did not start${taken}: ${stderr.trim()}`);
      }
      running.add(child);
      child.once('exit', () => {
        running.delete(child);
        forget();
      });
      return {
        consoleText: () => fs.readFile(serialLogPath, 'utf8').catch(() => ''),
        async powerDown(timeoutMs: number) {
          await qmpPowerDown(qmpSocket).catch(() => undefined);
          if (!(await waitForExit(child, timeoutMs))) await killQemu(child);
        },
        kill: () => killQemu(child),
      };
    },
    async discard(instanceId: string) {
      await fs.rm(await dirOf(instanceId), { recursive: true, force: true });
    },
    async close() {
      await Promise.all([...running].map((child) => killQemu(child)));
      await fs.rm(await root, { recursive: true, force: true });
    },
  };
}

/** Presses the guest's ACPI power button through QMP. */
function qmpPowerDown(socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    let buffer = '';
    let step = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('QMP did not answer'));
    }, 5_000);
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      // Greeting, then the capabilities answer, then the power-down answer: one command per reply.
      while (buffer.includes('\n')) {
        const line = buffer.slice(0, buffer.indexOf('\n'));
        buffer = buffer.slice(buffer.indexOf('\n') + 1);
        if (line.includes('"event"')) continue;
        if (step === 0) socket.write('{"execute":"qmp_capabilities"}\n');
        else if (step === 1) socket.write('{"execute":"system_powerdown"}\n');
        else {
          clearTimeout(timer);
          socket.end();
          resolve();
        }
        step++;
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
