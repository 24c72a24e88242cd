import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { buildIso } from '../../../../src/images/iso9660';
import { runProcess } from '../../../../src/util/run-process';
import { readSshBanner } from '../ssh-wait';
import { type VmProcess, hostForwards, startVm } from '../vm';

/**
 * The "Hyper-V host" of the emulator: what the Virtual Machine Management Service keeps (switches,
 * VMs and their settings), each VM a real QEMU VM (TCG) booted from the harness image. The scripts'
 * behaviour (scripts.ts) runs against it; the powershell.exe stand-in reaches it over a Unix socket
 * (server.ts), so VMs outlive the single script run that started them, as they do under Hyper-V.
 *
 * Where it differs from Hyper-V, on purpose:
 *  - firmware: the harness image has no bootloader, so QEMU boots the image's kernel directly instead
 *    of UEFI; Generation 2 and the Secure Boot template are recorded and validated, not enforced;
 *  - disks: Convert-VHD and Resize-VHD write a real VHDX with qemu-img, which QEMU then boots;
 *  - network: each VM gets a loopback address of its own (the "switch"), ports 22 and 2376 forwarded
 *    to the guest; the guest "reports" it (Get-VMNetworkAdapter) once its SSH server answers there,
 *    as a real guest's data exchange daemon reports its address once it has booted.
 */
export interface SwitchSpec {
  name: string;
  type: 'Internal' | 'External' | 'Private';
}

export interface HostSettings {
  platform: string;
  hyperVModule: boolean;
  /** An Administrator (or Hyper-V Administrator); false makes every Hyper-V cmdlet refuse. */
  elevated: boolean;
  switches: SwitchSpec[];
}

export interface EmulatedVm {
  id: string;
  name: string;
  notes: string;
  generation: 2;
  state: 'Off' | 'Running';
  /** The folder New-VM -Path was given; the configuration lives in PATH/NAME/Virtual Machines. */
  path: string;
  diskPath: string;
  dvdPath?: string;
  switchName: string;
  memoryMb: number;
  dynamicMemory: boolean;
  cpuCount: number;
  secureBoot: boolean;
  secureBootTemplate?: string;
  macAddress?: string;
  vlanId?: number;
  automaticCheckpoints: boolean;
  /** Its address on the emulated switch (a loopback address of its own). */
  address: string;
}

export const COMPUTER_NAME = 'HV-EMULATOR';

/** A cmdlet's failure, answered like the real one: message, category, error id, exception type. */
export class CmdletError extends Error {
  constructor(
    message: string,
    readonly category: string,
    readonly errorId: string,
    readonly exceptionType = 'Microsoft.HyperV.PowerShell.VirtualizationException',
  ) {
    super(message);
  }
}

interface Running {
  process: VmProcess;
  /** Set once the guest's SSH server answered at its address (the emulated KVP report). */
  reported: boolean;
}

export class HyperVHost {
  private readonly vms = new Map<string, EmulatedVm>();
  private readonly running = new Map<string, Running>();
  private settings: HostSettings;
  private readonly subnet: string;
  private nextHost = 10;
  private readonly injected = new Map<string, CmdletError>();

  constructor(
    readonly stateDir: string,
    /** The harness image directory (kernel, initrd, manifest) the VMs boot with. */
    private readonly imageDir: string,
    settings: Partial<HostSettings> = {},
  ) {
    this.settings = { platform: 'Win32NT', hyperVModule: true, elevated: true, switches: [{ name: 'Default Switch', type: 'Internal' }], ...settings };
    // A /24 of loopback addresses of its own, away from the fake EC2's 127.64-127.191 range.
    this.subnet = `127.201.${randomBytes(1)[0]}`;
  }

  configure(settings: Partial<HostSettings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  get host(): Readonly<HostSettings> {
    return this.settings;
  }

  /** Every VM, as Get-VM would list it. */
  list(): Array<EmulatedVm & { running: boolean }> {
    return [...this.vms.values()].map((vm) => ({ ...vm, running: this.running.has(vm.id) }));
  }

  /** A VM removed behind the driver's back (Hyper-V Manager, another tool): off and gone. */
  async deleteBehindBack(name: string): Promise<void> {
    for (const vm of [...this.vms.values()].filter((v) => v.name === name)) await this.removeVm(vm);
  }

  /** The next run of `script` fails with `error` once it has done its lookups (a host out of memory, a disk full...). */
  failNext(script: string, error: CmdletError): void {
    this.injected.set(script, error);
  }

  /** Throws the failure injected for `script`, once. */
  injectedFailure(script: string): void {
    const error = this.injected.get(script);
    if (!error) return;
    this.injected.delete(script);
    throw error;
  }

  requireElevation(cmdlet: string): void {
    if (this.settings.elevated) return;
    throw new CmdletError(
      `You do not have the required permission to complete this task. Contact the administrator of the authorization policy for the computer '${COMPUTER_NAME}'.`,
      'PermissionDenied',
      `AccessDenied,Microsoft.HyperV.PowerShell.Commands.${cmdlet}`,
    );
  }

  findSwitch(name: string): SwitchSpec {
    const found = this.settings.switches.find((s) => s.name.toLowerCase() === name.toLowerCase());
    if (!found) throw new CmdletError(`Hyper-V was unable to find a virtual switch with name "${name}".`, 'ObjectNotFound', 'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.NewVM');
    return found;
  }

  vmById(id: string): EmulatedVm | undefined {
    return this.vms.get(id.toLowerCase());
  }

  vmsNamed(name: string): EmulatedVm[] {
    return [...this.vms.values()].filter((vm) => vm.name.toLowerCase() === name.toLowerCase());
  }

  /** New-VM: the VM and its configuration file; Hyper-V writes PATH/NAME/Virtual Machines/ID.vmcx. */
  async newVm(spec: Omit<EmulatedVm, 'id' | 'state' | 'address' | 'generation' | 'notes' | 'automaticCheckpoints' | 'dynamicMemory' | 'secureBoot' | 'cpuCount'>): Promise<EmulatedVm> {
    const vm: EmulatedVm = { ...spec, id: randomUUID(), generation: 2, state: 'Off', notes: '', address: `${this.subnet}.${this.nextHost++}`, automaticCheckpoints: true, dynamicMemory: false, secureBoot: true, secureBootTemplate: 'MicrosoftWindows', cpuCount: 1 };
    const configDir = path.join(spec.path, spec.name, 'Virtual Machines');
    await fs.mkdir(configDir, { recursive: true });
    await fs.writeFile(path.join(configDir, `${vm.id.toUpperCase()}.vmcx`), JSON.stringify({ ...vm }));
    this.vms.set(vm.id, vm);
    return vm;
  }

  async startVm(vm: EmulatedVm): Promise<void> {
    if (this.running.has(vm.id)) return;
    if (!existsSync(vm.diskPath)) throw new CmdletError(`'${vm.name}' failed to start. Synthetic SCSI Controller: Failed to Power on with Error 'The system cannot find the file specified.'`, 'ObjectNotFound', 'ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.StartVM');
    const vmDir = path.join(this.stateDir, vm.id.slice(0, 8));
    await fs.mkdir(vmDir, { recursive: true });
    const process = await startVm({
      variant: 'engine',
      imageDir: this.imageDir,
      overlayPath: vm.diskPath,
      diskFormat: 'vhdx',
      seedPath: vm.dvdPath ?? (await emptyDisc(vmDir)),
      serialLogPath: path.join(vmDir, 'console.log'),
      forwards: hostForwards(vm.address, [
        { host: 22, guest: 22 },
        { host: 2376, guest: 2376 },
      ]),
      memoryMb: vm.memoryMb,
      qmpSocket: path.join(vmDir, 'qmp.sock'),
      // Hyper-V reboots a guest that reboots.
      exitOnReboot: false,
    });
    const entry: Running = { process, reported: false };
    this.running.set(vm.id, entry);
    vm.state = 'Running';
    void process.exited.then(() => {
      // The guest powered itself off, or QEMU died: Hyper-V shows the VM Off.
      if (this.running.get(vm.id) === entry) this.running.delete(vm.id);
      vm.state = 'Off';
    });
  }

  /** Stop-VM without -TurnOff: the shutdown integration service, then the caller's time limit. True when the guest shut down by itself. */
  async shutDown(vm: EmulatedVm, timeoutMs: number): Promise<boolean> {
    const entry = this.running.get(vm.id);
    if (!entry) return true;
    const clean = await entry.process.powerdown(timeoutMs);
    await entry.process.exited;
    return clean;
  }

  async turnOff(vm: EmulatedVm): Promise<void> {
    const entry = this.running.get(vm.id);
    if (!entry) return;
    await entry.process.kill();
    await entry.process.exited;
  }

  /** Get-VMNetworkAdapter's IPAddresses: nothing until the guest is up and answering. */
  async reportedAddresses(vm: EmulatedVm): Promise<string[]> {
    const entry = this.running.get(vm.id);
    if (!entry) return [];
    if (!entry.reported) entry.reported = (await readSshBanner(vm.address, 22, 2_000)) !== null;
    // A link-local IPv6 address comes first, as real guests report it too: the driver must skip it.
    return entry.reported ? ['fe80::215:5dff:fe00:' + vm.address.split('.').at(-1), vm.address] : [];
  }

  /** Remove-VM: the VM and its configuration file; its disks and DVD image stay, as under Hyper-V. */
  async removeVm(vm: EmulatedVm): Promise<void> {
    await this.turnOff(vm);
    this.vms.delete(vm.id);
    await fs.rm(path.join(vm.path, vm.name, 'Virtual Machines', `${vm.id.toUpperCase()}.vmcx`), { force: true });
    await fs.rm(path.join(this.stateDir, vm.id.slice(0, 8)), { recursive: true, force: true });
  }

  /** Every VM off; nothing of the emulator left (the disks belong to their owners). */
  async close(): Promise<void> {
    await Promise.all([...this.vms.values()].map((vm) => this.turnOff(vm)));
  }

  /** qemu-img, for Convert-VHD and Get-VHD. */
  async qemuImg(args: string[]): Promise<string> {
    return (await runProcess('qemu-img', args, { timeoutMs: 10 * 60_000 })).stdout;
  }
}

/** A VM without a DVD image: QEMU needs some drive there, and an empty disc boots the same as none. */
async function emptyDisc(dir: string): Promise<string> {
  const file = path.join(dir, 'empty.iso');
  await fs.writeFile(file, buildIso({ volumeId: 'EMPTY', files: [] }));
  return file;
}
