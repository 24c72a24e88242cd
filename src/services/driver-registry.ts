import { amazonec2Driver } from '../../drivers/amazonec2';
import { azureDriver } from '../../drivers/azure';
import { genericDriver } from '../../drivers/generic';
import { hypervDriver } from '../../drivers/hyperv';
import { qemuDriver } from '../../drivers/qemu';
import type { Driver, DriverDescriptor, DriverEnvironment, DriverFlags, LifecycleOperation } from '../core/driver';
import { UsageError } from '../core/errors';
import type { PluginOrigin } from './plugin-drivers';

/** A driver's config as the record holds it: the JSON form of the driver's own config type. */
export type StoredDriverConfig = Record<string, unknown>;

/**
 * One registered driver, seen through what the core needs. Each entry closes over its descriptor's
 * own config type, so the registry can list drivers of different config types without casts: a
 * config goes in and out of an entry only as its stored (JSON) form, and the descriptor's
 * `readConfig` turns it back into the driver's type before the driver sees it.
 */
export interface RegisteredDriver {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly summary: string;
  readonly flags: DriverFlags;
  readonly unsupported: Partial<Record<LifecycleOperation, string>>;
  /** The plugin that brought the driver (the record keeps it); undefined for a built-in driver. */
  readonly plugin?: PluginOrigin;
  /** The descriptor's `provisionedImages` capability. */
  readonly provisionedImages: boolean;
  configFromFlags(flags: Record<string, unknown>): StoredDriverConfig;
  generatesSshKey(config: StoredDriverConfig): boolean;
  enginePort(config: StoredDriverConfig): number;
  /** Loads the implementation (and any SDK it needs) and makes the driver for one machine. */
  open(env: DriverEnvironment<StoredDriverConfig>): Promise<Driver>;
}

/** Wraps a descriptor for the core: the one way a driver joins the registry (tests register fakes the same way). */
export function register<Config>(descriptor: DriverDescriptor<Config>): RegisteredDriver {
  const read = (config: StoredDriverConfig) => descriptor.readConfig(config);
  return {
    name: descriptor.name,
    aliases: descriptor.aliases,
    summary: descriptor.summary,
    flags: descriptor.flags,
    unsupported: descriptor.unsupported,
    provisionedImages: descriptor.provisionedImages === true,
    // The record is JSON: what is stored is exactly the config's JSON form.
    configFromFlags: (flags) => toStored(descriptor.configFromFlags(flags)),
    generatesSshKey: (config) => descriptor.generatesSshKey(read(config)),
    enginePort: (config) => descriptor.enginePort(read(config)),
    async open(env) {
      const factory = await descriptor.load();
      return factory({ ...env, config: read(env.config) });
    },
  };
}

function toStored(config: unknown): StoredDriverConfig {
  return JSON.parse(JSON.stringify(config));
}

/** Every driver this build knows, in the order help lists them. Descriptors are cheap; implementations load on demand. */
const registry: readonly RegisteredDriver[] = [register(genericDriver), register(qemuDriver), register(amazonec2Driver), register(azureDriver), register(hypervDriver)];

export function registeredDrivers(): readonly RegisteredDriver[] {
  return registry;
}

export function driverNames(): string[] {
  return registry.map((d) => d.name);
}

/** "generic (ssh, vps), qemu, amazonec2 (aws, ec2), azure (az), hyperv": for help and for the unknown-driver error. */
export function driverNamesWithAliases(drivers: ReadonlyArray<Pick<RegisteredDriver, 'name' | 'aliases'>> = registry): string {
  return drivers.map((d) => (d.aliases.length > 0 ? `${d.name} (${d.aliases.join(', ')})` : d.name)).join(', ');
}

/** The driver a user named, by its name or an alias, case-insensitively, among `drivers` (default: all this build knows). */
export function findDriver(nameOrAlias: string, drivers: readonly RegisteredDriver[] = registry): RegisteredDriver {
  const wanted = nameOrAlias.trim().toLowerCase();
  const found = drivers.find((d) => d.name === wanted || d.aliases.includes(wanted));
  if (!found) {
    throw new UsageError(`unknown driver "${nameOrAlias}"`, [`available drivers: ${driverNamesWithAliases(drivers)}`]);
  }
  return found;
}

/** All drivers' flags, for `create`'s static flag list (exact help, no argv pre-scan). */
export function allDriverFlags(): DriverFlags {
  return Object.assign({}, ...registry.map((d) => d.flags));
}
