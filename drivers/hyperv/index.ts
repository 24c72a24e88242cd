import { Flags } from '@oclif/core';
import type { DriverDescriptor } from '../../src/core/driver';
import { readStoredConfig } from '../../src/core/stored-config';
import { type HypervConfig, hypervConfigFromFlags } from './config';

const helpGroup = 'HYPER-V DRIVER';

/** dockerd's TLS port inside the guest, reached at the address the guest reports to Hyper-V. */
export const GUEST_ENGINE_PORT = 2376;

/** The Hyper-V driver: a local Linux VM on Windows, driven through the Hyper-V PowerShell module. */
export const hypervDriver: DriverDescriptor<HypervConfig> = {
  name: 'hyperv',
  aliases: [],
  summary: 'a local VM run by Hyper-V on Windows',
  unsupported: {},
  flags: {
    'hyperv-virtual-switch': Flags.string({ helpGroup, env: 'HYPERV_VIRTUAL_SWITCH', description: 'virtual switch for the VM\'s network adapter (default: "Default Switch" when it exists, else the first External switch)' }),
    'hyperv-memory': Flags.integer({ helpGroup, env: 'HYPERV_MEMORY', description: 'memory in MB', default: 2048, min: 256 }),
    'hyperv-cpu-count': Flags.integer({ helpGroup, env: 'HYPERV_CPU_COUNT', description: 'virtual CPUs', default: 2, min: 1 }),
    'hyperv-disk-size': Flags.integer({ helpGroup, env: 'HYPERV_DISK_SIZE', description: 'disk size in MB', default: 20000, min: 1024 }),
    'hyperv-static-macaddress': Flags.string({ helpGroup, env: 'HYPERV_STATIC_MACADDRESS', description: 'a fixed MAC address for the network adapter' }),
    'hyperv-vlan-id': Flags.integer({ helpGroup, env: 'HYPERV_VLAN_ID', description: 'VLAN id of the network adapter (access mode)', min: 1, max: 4094 }),
    'hyperv-disable-dynamic-memory': Flags.boolean({ helpGroup, env: 'HYPERV_DISABLE_DYNAMIC_MEMORY', description: 'give the VM all its memory at all times (no dynamic memory)' }),
    'hyperv-image': Flags.string({ helpGroup, env: 'HYPERV_IMAGE', description: 'cloud image URL or local path: qcow2, raw, VHD or VHDX (default: the current Ubuntu LTS cloud image, checked against its SHA256SUMS)' }),
    'hyperv-image-sha256': Flags.string({ helpGroup, env: 'HYPERV_IMAGE_SHA256', description: 'expected SHA-256 of the image, for images published without SHA256SUMS' }),
    'hyperv-secure-boot': Flags.boolean({ helpGroup, env: 'HYPERV_SECURE_BOOT', description: 'UEFI Secure Boot with the MicrosoftUEFICertificateAuthority template (--no-hyperv-secure-boot for unsigned kernels)', default: true, allowNo: true }),
    // Another program in place of powershell.exe: the test suite's Hyper-V emulator. Not for users.
    'hyperv-powershell': Flags.string({ helpGroup, env: 'MACHINE_HYPERV_POWERSHELL', hidden: true, description: 'PowerShell executable that runs the driver\'s scripts' }),
  },
  generatesSshKey: () => true,
  enginePort: () => GUEST_ENGINE_PORT,
  configFromFlags: (flags) => hypervConfigFromFlags(flags),
  readConfig: (stored) =>
    readStoredConfig<HypervConfig>('hyperv', stored, {
      image: 'string',
      imageSha256: 'string?',
      virtualSwitch: 'string?',
      memoryMb: 'number',
      cpuCount: 'number',
      diskSizeMb: 'number',
      staticMacAddress: 'string?',
      vlanId: 'number?',
      dynamicMemory: 'boolean',
      secureBoot: 'boolean',
      powershell: 'string?',
    }),
  async load() {
    const { HypervDriver } = await import('./hyperv-driver');
    return (env) => new HypervDriver(env);
  },
};
