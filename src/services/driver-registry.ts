import { amazonec2Driver } from '../../drivers/amazonec2';
import { genericDriver } from '../../drivers/generic';
import { qemuDriver } from '../../drivers/qemu';
import type { DriverDescriptor } from '../core/driver';
import { UsageError } from '../core/errors';

/** Every driver this build knows. Descriptors are cheap; implementations load on demand. */
const descriptors: readonly DriverDescriptor<never>[] = [
  genericDriver as unknown as DriverDescriptor<never>,
  qemuDriver as unknown as DriverDescriptor<never>,
  amazonec2Driver as unknown as DriverDescriptor<never>,
];

export function driverNames(): string[] {
  return descriptors.map((d) => d.name);
}

export function findDriver(name: string): DriverDescriptor<Record<string, unknown>> {
  const found = descriptors.find((d) => d.name === name);
  if (!found) {
    throw new UsageError(`unknown driver "${name}"`, [`available drivers: ${driverNames().join(', ')}`]);
  }
  return found as unknown as DriverDescriptor<Record<string, unknown>>;
}

/** All drivers' flags, for `create`'s static flag list (exact help, no argv pre-scan). */
export function allDriverFlags(): DriverDescriptor['flags'] {
  return Object.assign({}, ...descriptors.map((d) => d.flags));
}
