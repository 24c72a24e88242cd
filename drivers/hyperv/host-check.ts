import { PreCreateCheckError } from '../../src/core/errors';
import type { HostFacts, SwitchInfo } from './operations';
import { ELEVATION_ADVICE } from './powershell';

/**
 * Pre-create's verdict on what host-facts.ps1 reported, as a pure function so every branch is tested.
 * The facts come from the PowerShell that will run Hyper-V, not from process.platform: the question
 * is whether that host has Hyper-V, and it is the one to ask (the emulator, on Linux, stands in for
 * a Windows host and answers as one).
 */
export const DEFAULT_SWITCH = 'Default Switch';

export function checkHost(facts: HostFacts, vmName: string, wantedSwitch: string | undefined): { switchName: string } {
  if (facts.platform !== 'Win32NT') {
    throw new PreCreateCheckError(`Hyper-V needs Windows; this PowerShell runs on ${facts.platform}${facts.osVersion ? ` (${facts.osVersion})` : ''}`, ['on Linux or macOS use the qemu driver']);
  }
  if (!facts.hyperVModule) {
    throw new PreCreateCheckError('the Hyper-V PowerShell module is not installed (Hyper-V is not enabled on this Windows)', [
      'in an elevated PowerShell: Enable-WindowsOptionalFeature -Online -FeatureName Microsoft-Hyper-V-All, then restart',
      'Windows Server: Install-WindowsFeature -Name Hyper-V -IncludeManagementTools -Restart',
    ]);
  }
  if (!facts.isAdministrator && !facts.isHyperVAdministrator) {
    throw new PreCreateCheckError('managing Hyper-V needs an Administrator or a member of Hyper-V Administrators (S-1-5-32-578), and this user is neither', ELEVATION_ADVICE);
  }
  if (facts.hyperVError) {
    throw new PreCreateCheckError(`Hyper-V did not answer: ${facts.hyperVError.message} [${facts.hyperVError.category}]`, ['check that the Hyper-V Virtual Machine Management service (vmms) runs: Get-Service vmms']);
  }
  if (facts.vmNameTaken) {
    throw new PreCreateCheckError(`Hyper-V already has a virtual machine named "${vmName}"`, ['choose another machine name, or remove that VM in Hyper-V Manager if it is a leftover']);
  }
  return { switchName: chooseSwitch(facts.switches ?? [], wantedSwitch) };
}

/** The switch asked for; else "Default Switch"; else the first External switch; else a clear error. */
export function chooseSwitch(switches: readonly SwitchInfo[], wanted: string | undefined): string {
  const listing = switches.length === 0 ? 'this host has no virtual switch' : `switches here: ${switches.map((s) => `"${s.name}" (${s.type})`).join(', ')}`;
  if (wanted !== undefined) {
    // Windows compares switch names case-insensitively.
    const found = switches.find((s) => s.name.toLowerCase() === wanted.toLowerCase());
    if (!found) throw new PreCreateCheckError(`Hyper-V has no virtual switch named "${wanted}"; ${listing}`, switchAdvice(switches));
    return found.name;
  }
  const chosen = switches.find((s) => s.name === DEFAULT_SWITCH) ?? switches.find((s) => s.type === 'External');
  if (!chosen) throw new PreCreateCheckError(`no virtual switch to use: no "${DEFAULT_SWITCH}" and no External switch; ${listing}`, switchAdvice(switches));
  return chosen.name;
}

function switchAdvice(switches: readonly SwitchInfo[]): string[] {
  return [
    ...(switches.length > 0 ? ['pick one with --hyperv-virtual-switch NAME (or HYPERV_VIRTUAL_SWITCH)'] : []),
    'or make an External switch on your network adapter: New-VMSwitch -Name External -NetAdapterName (Get-NetAdapter -Physical | Select-Object -First 1).Name -AllowManagementOS $true',
  ];
}
