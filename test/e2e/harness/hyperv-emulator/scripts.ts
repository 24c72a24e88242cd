import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CmdletError, COMPUTER_NAME, type EmulatedVm, type HyperVHost } from './host';

/**
 * What each of drivers/hyperv/scripts/*.ps1 does, step by step with the cmdlets it calls, against the
 * emulated host. Each handler follows its script: the same lookups, the same order, the same answer
 * fields, and the cmdlets' own errors where Hyper-V would raise them. The test of this emulator is the
 * driver working through it; the scripts themselves are parsed by a real PowerShell grammar.
 */
type Parameters = Record<string, unknown>;
type Handler = (host: HyperVHost, p: Parameters) => Promise<unknown>;

const SECURE_BOOT_TEMPLATES = ['MicrosoftWindows', 'MicrosoftUEFICertificateAuthority', 'OpenSourceShieldedVM'];

/** Under Set-StrictMode a script reading a field the caller did not send fails like this. */
function field(p: Parameters, name: string): unknown {
  if (!(name in p)) throw new CmdletError(`The property '${name}' cannot be found on this object. Verify that the property exists.`, 'NotSpecified', 'PropertyNotFoundStrict', 'System.Management.Automation.PropertyNotFoundException');
  return p[name];
}

const text = (p: Parameters, name: string): string => String(field(p, name));

/** _common.ps1's Find-MachineVm: by id, else by name and the note create wrote. */
function findMachineVm(host: HyperVHost, p: Parameters): EmulatedVm | undefined {
  const id = field(p, 'id');
  if (typeof id === 'string' && id !== '') return host.vmById(id);
  return host.vmsNamed(text(p, 'name')).find((vm) => vm.notes === text(p, 'marker'));
}

/** _common.ps1's Assert-MachineVm. */
function assertMachineVm(vm: EmulatedVm | undefined, p: Parameters): EmulatedVm {
  if (!vm) throw new CmdletError(`Hyper-V was unable to find a virtual machine for machine '${text(p, 'name')}'.`, 'ObjectNotFound', 'MachineVmNotFound,Assert-MachineVm', 'Microsoft.PowerShell.Commands.WriteErrorException');
  return vm;
}

function notFoundFile(file: string, cmdlet: string): CmdletError {
  return new CmdletError(`Failed to get the disk information. The system cannot find the file specified. (${file})`, 'ObjectNotFound', `ObjectNotFound,Microsoft.Vhd.PowerShell.Cmdlets.${cmdlet}`);
}

export const SCRIPT_HANDLERS: Record<string, Handler> = {
  'host-facts': async (host, p) => {
    const s = host.host;
    const facts: Record<string, unknown> = {
      platform: s.platform,
      osVersion: s.platform === 'Win32NT' ? 'Microsoft Windows NT 10.0.26100.0' : 'Unix 6.1.0.0',
      psVersion: '5.1.26100.2161',
      computerName: COMPUTER_NAME,
      hyperVModule: false,
      isAdministrator: false,
      isHyperVAdministrator: false,
      switches: null,
      vmNameTaken: false,
      hyperVError: null,
    };
    if (s.platform !== 'Win32NT') return facts;
    facts.isAdministrator = s.elevated;
    facts.hyperVModule = s.hyperVModule;
    if (!s.hyperVModule || !s.elevated) return facts;
    facts.switches = s.switches.map((sw) => ({ name: sw.name, type: sw.type }));
    facts.vmNameTaken = host.vmsNamed(text(p, 'vmName')).length > 0;
    return facts;
  },

  'new-disk': async (host, p) => {
    host.requireElevation('ConvertVHD');
    const source = text(p, 'source');
    const target = text(p, 'path');
    const wanted = Number(field(p, 'sizeBytes'));
    if (!existsSync(source)) throw notFoundFile(source, 'ConvertVhd');
    if (!/\.vhdx?$/i.test(source) || !/\.vhdx$/i.test(target)) throw new CmdletError('The format of the virtual hard disk file is not supported: only .vhd and .vhdx files can be converted.', 'InvalidArgument', 'InvalidParameter,Microsoft.Vhd.PowerShell.Cmdlets.ConvertVhd');
    if (existsSync(target)) throw new CmdletError(`Failed to convert the virtual disk. The file '${target}' already exists.`, 'ResourceExists', 'ResourceExists,Microsoft.Vhd.PowerShell.Cmdlets.ConvertVhd');
    const sourceFormat = /\.vhdx$/i.test(source) ? 'vhdx' : 'vpc';
    const info = JSON.parse(await host.qemuImg(['info', '-f', sourceFormat, '--output=json', source])) as { 'virtual-size': number };
    // Convert-VHD then Resize-VHD (never smaller), as one qemu-img conversion into a VHDX of the final size.
    const size = Math.max(info['virtual-size'], wanted);
    try {
      await host.qemuImg(['create', '-q', '-f', 'vhdx', target, String(size)]);
      await host.qemuImg(['convert', '-n', '--target-is-zero', '-f', sourceFormat, '-O', 'vhdx', source, target]);
    } catch (err) {
      await fs.rm(target, { force: true });
      throw new CmdletError(`Failed to convert the virtual disk: ${(err as Error).message}`, 'InvalidOperation', 'InvalidOperation,Microsoft.Vhd.PowerShell.Cmdlets.ConvertVhd');
    }
    return { path: target, sizeBytes: size };
  },

  'new-vm': async (host, p) => {
    host.requireElevation('NewVM');
    const name = text(p, 'name');
    const memoryMb = Number(field(p, 'memoryMb'));
    host.findSwitch(text(p, 'switchName'));
    const diskPath = text(p, 'diskPath');
    if (!existsSync(diskPath)) throw new CmdletError(`Failed to add device 'Virtual Hard Disk'. The system cannot find the file specified. ('${diskPath}')`, 'ObjectNotFound', 'ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.NewVM');
    if (memoryMb % 2 !== 0) throw new CmdletError(`Failed to modify device 'Memory'. Invalid startup memory amount assigned for '${name}'. The startup memory amount should be a multiple of 2 MB.`, 'InvalidArgument', 'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.NewVM');
    const vm = await host.newVm({ name, path: text(p, 'path'), diskPath, switchName: text(p, 'switchName'), memoryMb });
    try {
      vm.notes = text(p, 'marker');
      vm.cpuCount = Number(field(p, 'cpuCount'));
      vm.automaticCheckpoints = false;
      vm.dynamicMemory = field(p, 'dynamicMemory') === true;
      vm.secureBoot = field(p, 'secureBoot') === true;
      if (vm.secureBoot) {
        const template = text(p, 'secureBootTemplate');
        if (!SECURE_BOOT_TEMPLATES.includes(template)) throw new CmdletError(`Cannot validate argument on parameter 'SecureBootTemplate'. The specified template '${template}' was not found.`, 'InvalidData', 'ParameterArgumentValidationError,Microsoft.HyperV.PowerShell.Commands.SetVMFirmware', 'System.Management.Automation.ParameterBindingValidationException');
        vm.secureBootTemplate = template;
      }
      const seed = text(p, 'seedPath');
      if (!existsSync(seed)) throw new CmdletError(`Failed to add device 'Virtual CD/DVD Disk'. The system cannot find the file specified. ('${seed}')`, 'ObjectNotFound', 'ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.AddVMDvdDrive');
      vm.dvdPath = seed;
      const mac = field(p, 'macAddress');
      if (typeof mac === 'string') vm.macAddress = mac;
      const vlan = field(p, 'vlanId');
      if (typeof vlan === 'number') vm.vlanId = vlan;
    } catch (err) {
      // new-vm.ps1 removes the VM it made before answering the error.
      await host.removeVm(vm);
      throw err;
    }
    return { id: vm.id, name: vm.name };
  },

  'start-vm': async (host, p) => {
    host.requireElevation('GetVM');
    const vm = assertMachineVm(findMachineVm(host, p), p);
    host.injectedFailure('start-vm');
    await host.startVm(vm);
    return { state: vm.state };
  },

  'stop-vm': async (host, p) => {
    host.requireElevation('GetVM');
    const vm = assertMachineVm(findMachineVm(host, p), p);
    if (vm.state === 'Off') return { state: 'Off', forced: false, reason: null };
    const seconds = Number(field(p, 'timeoutSeconds'));
    const clean = await host.shutDown(vm, seconds * 1000);
    return { state: vm.state, forced: !clean, reason: clean ? null : `the guest did not shut down within ${seconds} seconds` };
  },

  'turn-off-vm': async (host, p) => {
    host.requireElevation('GetVM');
    const vm = assertMachineVm(findMachineVm(host, p), p);
    await host.turnOff(vm);
    return { state: vm.state };
  },

  'get-vm': async (host, p) => {
    host.requireElevation('GetVM');
    const vm = findMachineVm(host, p);
    if (!vm) return { found: false };
    return { found: true, id: vm.id, name: vm.name, state: vm.state, status: 'Operating normally', addresses: await host.reportedAddresses(vm) };
  },

  'remove-vm': async (host, p) => {
    host.requireElevation('GetVM');
    const vm = findMachineVm(host, p);
    if (!vm) return { removed: false };
    await host.removeVm(vm);
    return { removed: true };
  },
};

/** One script run: its answer as the script prints it, and its exit code. */
export async function runScript(host: HyperVHost, scriptFile: string, input: string): Promise<{ stdout: string; exitCode: number }> {
  const name = path.basename(scriptFile).replace(/\.ps1$/i, '');
  const handler = SCRIPT_HANDLERS[name];
  if (!handler) return { stdout: errorAnswer(new CmdletError(`The Hyper-V emulator does not know the script ${name}.ps1.`, 'NotImplemented', 'UnknownScript')), exitCode: 1 };
  try {
    const parameters = (input.trim() === '' ? {} : JSON.parse(input)) as Parameters;
    return { stdout: JSON.stringify(await handler(host, parameters)), exitCode: 0 };
  } catch (err) {
    const error = err instanceof CmdletError ? err : new CmdletError((err as Error).message, 'NotSpecified', 'System.Exception', 'System.Exception');
    return { stdout: errorAnswer(error), exitCode: 1 };
  }
}

function errorAnswer(error: CmdletError): string {
  return JSON.stringify({ error: { message: error.message, category: error.category, errorId: error.errorId, exceptionType: error.exceptionType } });
}
