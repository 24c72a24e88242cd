import { Flags } from '@oclif/core';
import type { DriverDescriptor } from '../../src/core/driver';
import { readStoredConfig } from '../../src/core/stored-config';
import { ACCELERATORS, type QemuConfig, qemuConfigFromFlags } from './config';
import { GUEST_ENGINE_PORT } from './guest';

const helpGroup = 'QEMU DRIVER';

/** The QEMU driver: a local Linux VM (KVM or TCG on Linux, HVF on macOS, WHPX on Windows). */
export const qemuDriver: DriverDescriptor<QemuConfig> = {
  name: 'qemu',
  aliases: [],
  summary: 'a local VM run by QEMU',
  unsupported: {},
  flags: {
    'qemu-image': Flags.string({ helpGroup, env: 'QEMU_IMAGE', description: 'disk image URL or local path (default: the current Ubuntu LTS cloud image, checked against its SHA256SUMS)' }),
    'qemu-image-sha256': Flags.string({ helpGroup, env: 'QEMU_IMAGE_SHA256', description: 'expected SHA-256 of the image, for images published without SHA256SUMS' }),
    'qemu-kernel': Flags.string({ helpGroup, env: 'QEMU_KERNEL', description: 'kernel to boot directly (for images without a bootloader)' }),
    'qemu-initrd': Flags.string({ helpGroup, env: 'QEMU_INITRD', description: 'initrd for --qemu-kernel' }),
    'qemu-append': Flags.string({ helpGroup, env: 'QEMU_APPEND', description: 'kernel command line for --qemu-kernel' }),
    'qemu-cpus': Flags.integer({ helpGroup, env: 'QEMU_CPUS', description: 'virtual CPUs', default: 2, min: 1 }),
    'qemu-memory': Flags.integer({ helpGroup, env: 'QEMU_MEMORY', description: 'memory in MiB', default: 2048, min: 256 }),
    'qemu-disk-size': Flags.string({ helpGroup, env: 'QEMU_DISK_SIZE', description: 'disk size (e.g. 20G)', default: '20G' }),
    'qemu-accel': Flags.string({ helpGroup, env: 'QEMU_ACCEL', description: 'accelerator; auto picks what the host offers', options: [...ACCELERATORS], default: 'auto' }),
    'qemu-binary': Flags.string({ helpGroup, env: 'QEMU_BINARY', description: 'QEMU system emulator (default: qemu-system-x86_64 or qemu-system-aarch64 for this host)' }),
    'qemu-network': Flags.string({ helpGroup, env: 'QEMU_NETWORK', description: 'a named local network shared with other QEMU machines (a second NIC with an address of its own; swarm nodes talk over it)' }),
    'qemu-ssh-user': Flags.string({ helpGroup, env: 'QEMU_SSH_USER', description: 'login user cloud-init creates (not "docker": engine packages create a group of that name, and cloud-init then cannot add the user)', default: 'machine' }),
  },
  generatesSshKey: () => true,
  provisionedImages: true,
  enginePort: () => GUEST_ENGINE_PORT,
  configFromFlags: (flags) => qemuConfigFromFlags(flags),
  readConfig: (stored) =>
    readStoredConfig<QemuConfig>('qemu', stored, {
      image: 'string',
      imageSha256: 'string?',
      kernel: 'string?',
      initrd: 'string?',
      append: 'string?',
      cpus: 'number',
      memoryMb: 'number',
      diskSize: 'string',
      accel: 'string',
      binary: 'string?',
      sshUser: 'string',
      network: 'string?',
    }),
  async load() {
    const { QemuDriver } = await import('./qemu-driver');
    return (env) => new QemuDriver(env);
  },
};
