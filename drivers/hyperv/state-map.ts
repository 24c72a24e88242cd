import type { MachineState } from '../../src/core/machine-record';

/** Get-VM's State (Microsoft.HyperV.PowerShell.VMState) as a machine state. */
export function machineStateOf(vmState: string): MachineState {
  switch (vmState) {
    case 'Running':
      return 'Running';
    case 'Off':
      return 'Stopped';
    case 'Saved':
      // A saved VM is not running and `start` resumes it: for the user it is stopped.
      return 'Stopped';
    case 'Starting':
    case 'Resuming':
    case 'Reset':
      return 'Starting';
    case 'Stopping':
    case 'Saving':
    case 'Pausing':
      return 'Stopping';
    case 'Paused':
      return 'Paused';
    default:
      // The "critical" variants (RunningCritical, OffCritical...) mean Hyper-V lost the VM's storage.
      return /Critical$/.test(vmState) ? 'Error' : 'Unknown';
  }
}

/**
 * The address to reach the machine at, from what the guest reports: IPv4 first (what docker-machine
 * users expect in DOCKER_HOST), else a global IPv6; link-local addresses need a zone and are skipped.
 */
export function preferredAddress(addresses: readonly string[]): string | undefined {
  const ipv4 = addresses.find((a) => /^\d{1,3}(\.\d{1,3}){3}$/.test(a) && !a.startsWith('169.254.'));
  if (ipv4) return ipv4;
  return addresses.find((a) => a.includes(':') && !/^fe80:/i.test(a));
}

export function usableAddresses(addresses: readonly string[]): string[] {
  const first = preferredAddress(addresses);
  return first ? [first, ...addresses.filter((a) => a !== first && !/^fe80:/i.test(a) && !a.startsWith('169.254.'))] : [];
}
