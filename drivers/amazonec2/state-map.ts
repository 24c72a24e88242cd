import type { MachineState } from '../../src/core/machine-record';
import type { Ec2InstanceState } from './ec2-port';

/** EC2's instance states in the words `ls` and `status` use. A terminated instance is gone. */
const STATES: Record<Ec2InstanceState, MachineState> = {
  pending: 'Starting',
  running: 'Running',
  stopping: 'Stopping',
  stopped: 'Stopped',
  'shutting-down': 'Stopping',
  terminated: 'NotFound',
};

export function machineStateOf(state: Ec2InstanceState | undefined): MachineState {
  return state === undefined ? 'NotFound' : STATES[state];
}

export function isEc2InstanceState(value: string | undefined): value is Ec2InstanceState {
  return value !== undefined && value in STATES;
}
