import type { MachineState } from '../../src/core/machine-record';
import type { VmStatus } from './azure-port';

/** PowerState codes of the instance view in the words `ls` and `status` use. */
const POWER: Record<string, MachineState> = {
  starting: 'Starting',
  running: 'Running',
  stopping: 'Stopping',
  stopped: 'Stopped',
  deallocating: 'Stopping',
  deallocated: 'Stopped',
};

/**
 * A VM's state from its instance view. Provisioning comes first: a VM being created has no power
 * state yet, a failed one is in error whatever its power says, and one being deleted is going away.
 */
export function machineStateOf(status: VmStatus | undefined): MachineState {
  if (!status) return 'NotFound';
  const provisioning = status.provisioning?.toLowerCase();
  if (provisioning === 'failed') return 'Error';
  if (provisioning === 'deleting') return 'Stopping';
  const power = status.power ? POWER[status.power.toLowerCase()] : undefined;
  if (power) return power;
  if (provisioning === 'creating' || provisioning === 'updating') return 'Starting';
  return 'Unknown';
}
