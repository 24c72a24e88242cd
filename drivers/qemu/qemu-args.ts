import { createHash } from 'node:crypto';
import type { AccelChoice } from './config';

/**
 * Everything about QEMU's command line, as pure functions of plain facts, so every accelerator and
 * option combination is unit-tested without starting anything.
 */
export type Accelerator = Exclude<AccelChoice, 'auto'>;

/** What the host offers; gathered by host-facts.ts. */
export interface HostFacts {
  platform: NodeJS.Platform;
  arch: string;
  /** /dev/kvm exists and this user may open it read-write. */
  kvmUsable: boolean;
  /** Accelerators compiled into the QEMU binary (`-accel help`); empty when unknown. */
  compiledIn: readonly string[];
}

/** The accelerator each platform offers natively, in the order auto tries them. */
const NATIVE: Partial<Record<NodeJS.Platform, Accelerator>> = { linux: 'kvm', darwin: 'hvf', win32: 'whpx' };

export function resolveAccel(choice: AccelChoice, facts: HostFacts): Accelerator {
  if (choice !== 'auto') return choice;
  const native = NATIVE[facts.platform];
  if (native && accelProblem(native, facts) === undefined) return native;
  return 'tcg';
}

/** Why `accel` cannot run here, or undefined when it can. */
export function accelProblem(accel: Accelerator, facts: HostFacts): string | undefined {
  if (facts.compiledIn.length > 0 && !facts.compiledIn.includes(accel)) {
    return `this QEMU binary was built without ${accel} (it offers ${facts.compiledIn.join(', ')})`;
  }
  if (accel === 'tcg') return undefined;
  const native = NATIVE[facts.platform];
  if (native !== accel) return `${accel} is not available on ${facts.platform}`;
  if (accel === 'kvm' && !facts.kvmUsable) return '/dev/kvm is missing or not read-write for this user (add yourself to the kvm group)';
  return undefined;
}

export function defaultBinary(arch: string): string {
  return arch === 'arm64' ? 'qemu-system-aarch64' : 'qemu-system-x86_64';
}

/** A stable, locally administered MAC in QEMU's 52:54:00 range, derived from the machine name. */
export function macFor(machineName: string): string {
  const digest = createHash('sha256').update(machineName).digest();
  const tail = [...digest.subarray(0, 3)].map((b) => b.toString(16).padStart(2, '0'));
  return ['52', '54', '00', ...tail].join(':');
}

export interface LaunchSpec {
  machineName: string;
  arch: string;
  accel: Accelerator;
  cpus: number;
  memoryMb: number;
  diskPath: string;
  seedPath: string;
  kernel?: string;
  initrd?: string;
  append?: string;
  sshPort: number;
  enginePort: number;
  /** Port dockerd listens on inside the guest. */
  guestEnginePort: number;
  pidfile: string;
  qmpSocket: string;
  serialLog: string;
  /** A second NIC on a named local network (QEMU socket multicast, bound to 127.0.0.1). */
  clusterNic?: { group: string; port: number; mac: string };
  /** POSIX: QEMU forks itself away and reports start-up errors first. Windows has no -daemonize. */
  daemonize: boolean;
}

/** QEMU splits option values at commas; a literal comma is written twice. */
export function escapeOptionValue(value: string): string {
  return value.replace(/,/g, ',,');
}

export function buildQemuArgs(spec: LaunchSpec): string[] {
  const esc = escapeOptionValue;
  const forwards = [`hostfwd=tcp:127.0.0.1:${spec.sshPort}-:22`, `hostfwd=tcp:127.0.0.1:${spec.enginePort}-:${spec.guestEnginePort}`];
  const args = [
    '-name', spec.machineName,
    // No default devices: the VGA card alone costs seconds of a TCG boot (its framebuffer console
    // draws every kernel message), and the CD-ROM, parallel port and default NIC serve nothing here.
    // Everything the guest needs is named below.
    '-nodefaults',
    '-machine', spec.arch === 'arm64' ? 'virt' : 'q35',
    ...accelArgs(spec.accel),
    '-smp', String(spec.cpus),
    '-m', String(spec.memoryMb),
    // The overlay must be the first virtio disk: kernels booted with root=/dev/vda expect it there.
    '-drive', `if=virtio,file=${esc(spec.diskPath)},format=qcow2,discard=unmap`,
    '-drive', `if=virtio,file=${esc(spec.seedPath)},format=raw,readonly=on`,
    '-netdev', `user,id=net0,${forwards.join(',')}`,
    '-device', `virtio-net-pci,netdev=net0,mac=${macFor(spec.machineName)}`,
    ...clusterNicArgs(spec),
    // Guests block on entropy early (sshd host keys); the host's RNG makes first boot faster.
    '-device', 'virtio-rng-pci',
  ];
  if (spec.kernel) args.push('-kernel', spec.kernel);
  if (spec.initrd) args.push('-initrd', spec.initrd);
  if (spec.append) args.push('-append', spec.append);
  args.push(
    '-display', 'none',
    '-monitor', 'none',
    '-serial', `file:${spec.serialLog}`,
    '-qmp', `unix:${esc(spec.qmpSocket)},server=on,wait=off`,
    '-pidfile', spec.pidfile,
  );
  if (spec.daemonize) args.push('-daemonize');
  return args;
}

/**
 * localaddr=127.0.0.1 is what keeps the network on this host: without it the multicast frames go out
 * of the default interface onto the LAN.
 */
function clusterNicArgs(spec: LaunchSpec): string[] {
  if (!spec.clusterNic) return [];
  const { group, port, mac } = spec.clusterNic;
  return ['-netdev', `socket,id=net1,mcast=${group}:${port},localaddr=127.0.0.1`, '-device', `virtio-net-pci,netdev=net1,mac=${mac}`];
}

/** The cluster NIC's MAC: stable per machine, and never the same as its first NIC's. */
export function clusterMacFor(machineName: string): string {
  return macFor(`${machineName}/cluster`);
}

function accelArgs(accel: Accelerator): string[] {
  switch (accel) {
    case 'kvm':
    case 'hvf':
      return ['-accel', accel, '-cpu', 'host'];
    case 'whpx':
      // WHPX cannot run QEMU's in-kernel irqchip emulation; without this QEMU refuses to start.
      return ['-accel', 'whpx,kernel-irqchip=off', '-cpu', 'max'];
    case 'tcg':
      return ['-accel', 'tcg', '-cpu', 'max'];
  }
}
