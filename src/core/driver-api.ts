/**
 * The driver API as published to driver plugins (`machine/driver-api`): the contract a driver
 * implements and the few values it may use at run time. A plugin declares the API version it was
 * built for in its package.json (`"machine": { "driverApi": N, ... }`); the core reads that number
 * before it loads any of the plugin's code and refuses a plugin whose number it does not speak.
 *
 * DRIVER_API_VERSION changes whenever a change here would break a driver built for the previous one
 * (a member removed or renamed, a new required member, a changed meaning). Additions a driver may
 * ignore (a new optional member) keep the number.
 */
export const DRIVER_API_VERSION = 1;

export type {
  BootFile,
  CreateContext,
  CreateResult,
  Driver,
  DriverDescriptor,
  DriverEnvironment,
  DriverFlags,
  LifecycleOperation,
  RemoteRunner,
} from './driver';
export { LIFECYCLE_OPERATIONS } from './driver';
export type { MachineState, ResourceRecord, SshEndpoint } from './machine-record';
export { type ConfigShape, type FieldSpec, readStoredConfig } from './stored-config';
/**
 * The errors a driver may throw, each with its meaning for the user: bad flags (UsageError, exit 2),
 * a failed pre-create check (PreCreateCheckError, exit 3), an outside failure at a named step
 * (OperationError), an operation it cannot do (NotSupportedError). Anything else a plugin throws is
 * reported as the plugin's failure, never as machine's.
 */
export { ExitCode, MachineError, NotSupportedError, OperationError, PreCreateCheckError, UsageError } from './errors';
