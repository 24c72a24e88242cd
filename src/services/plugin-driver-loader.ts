import type { Driver, DriverDescriptor, DriverEnvironment } from '../core/driver';
import { LIFECYCLE_OPERATIONS } from '../core/driver';
import { MachineError, OperationError, errorMessage } from '../core/errors';
import { type RegisteredDriver, type StoredDriverConfig, register } from './driver-registry';
import type { PluginDriverEntry, PluginOrigin } from './plugin-drivers';

/**
 * Loads one plugin driver's descriptor (its cheap module: the implementation and any SDK still load
 * only in `load()`), checks it against the contract and what the manifest promised, and registers it
 * behind a guard. The guard keeps the core's promises about errors: what a plugin throws either is
 * one of the driver API's errors, and keeps its meaning, or is reported as that plugin's failure.
 * A descriptor that does not fit is refused whole, before anything of it is used.
 */
export function loadPluginDriver(entry: PluginDriverEntry): RegisteredDriver {
  const descriptor = requireDescriptor(entry);
  const problem = descriptorProblem(descriptor, entry);
  if (problem) throw refusal(entry, problem);
  return guarded(register(descriptor as DriverDescriptor<unknown>), entry.plugin);
}

function requireDescriptor(entry: PluginDriverEntry): unknown {
  let exports: unknown;
  try {
    // A computed path by design: the plugin's own module, named by its manifest and checked to lie
    // inside the plugin's folder (plugin-drivers.ts). Plugins are CommonJS or ESM that Node's
    // require can load.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exports = require(entry.modulePath);
  } catch (err) {
    throw refusal(entry, `its module ${entry.modulePath} does not load: ${errorMessage(err)}`, err);
  }
  const descriptor = typeof exports === 'object' && exports !== null ? (exports as Record<string, unknown>)[entry.exportName] : undefined;
  if (descriptor === undefined) throw refusal(entry, `its module exports no "${entry.exportName}"`);
  return descriptor;
}

/** What is wrong with a loaded descriptor, or undefined when it keeps the contract and the manifest. */
export function descriptorProblem(descriptor: unknown, entry: Pick<PluginDriverEntry, 'name' | 'aliases'>): string | undefined {
  if (typeof descriptor !== 'object' || descriptor === null) return 'the descriptor is not an object';
  const d = descriptor as Record<string, unknown>;
  if (d.name !== entry.name) return `the descriptor is named "${String(d.name)}", the manifest says "${entry.name}"`;
  if (!Array.isArray(d.aliases) || d.aliases.join(',') !== entry.aliases.join(',')) return `the descriptor's aliases differ from the manifest's (${entry.aliases.join(', ') || 'none'})`;
  const missing = ['generatesSshKey', 'enginePort', 'configFromFlags', 'readConfig', 'load'].filter((member) => typeof d[member] !== 'function');
  if (missing.length > 0) return `the descriptor lacks ${missing.join(', ')}`;
  if (typeof d.flags !== 'object' || d.flags === null) return 'the descriptor has no flags object';
  // A flag without the driver's prefix could stand in for one of the core's (--engine-install, --tls-san).
  const foreign = Object.keys(d.flags).filter((flag) => !flag.startsWith(`${entry.name}-`));
  if (foreign.length > 0) return `its flags must start with "${entry.name}-": ${foreign.map((f) => `--${f}`).join(', ')}`;
  if (typeof d.unsupported !== 'object' || d.unsupported === null) return 'the descriptor has no unsupported object';
  const unknown = Object.entries(d.unsupported).filter(([op, advice]) => !(LIFECYCLE_OPERATIONS as readonly string[]).includes(op) || typeof advice !== 'string');
  if (unknown.length > 0) return `its unsupported list names ${unknown.map(([op]) => op).join(', ')}, which is not a lifecycle operation with advice`;
  return undefined;
}

function refusal(entry: PluginDriverEntry, reason: string, cause?: unknown): OperationError {
  return new OperationError('DRIVER_PLUGIN_REFUSED', `the ${entry.name} driver of plugin ${entry.plugin.name} ${entry.plugin.version} is refused: ${reason}`, [
    `update the plugin (\`machine plugins update\`), or remove it with \`machine plugins uninstall ${entry.plugin.name}\``,
  ], cause);
}

/**
 * An error from plugin code as the core reports it. The plugin may carry its own copy of the driver
 * API, whose error classes are not the core's: one that has the API error's shape keeps its code,
 * exit code and suggestions. Anything else is the plugin's failure, not a bug in machine.
 */
export function adoptPluginError(err: unknown, driver: string, plugin: PluginOrigin): unknown {
  if (err instanceof MachineError) return err;
  if (err instanceof Error && isApiErrorShape(err)) {
    return Object.assign(new MachineError(err.message, { code: err.code, exit: err.exit, suggestions: err.suggestions, cause: err }), { name: err.name });
  }
  return new OperationError('DRIVER_PLUGIN_FAILED', `the ${driver} driver (plugin ${plugin.name} ${plugin.version}) failed: ${errorMessage(err)}`, [
    `if it goes on, report it to the authors of ${plugin.name}`,
  ], err);
}

function isApiErrorShape(err: Error): err is Error & { code: string; exit: number; suggestions: string[] } {
  const e = err as Error & Record<string, unknown>;
  return typeof e.code === 'string' && typeof e.exit === 'number' && Array.isArray(e.suggestions) && e.suggestions.every((s) => typeof s === 'string');
}

async function adopting<T>(work: () => T | Promise<T>, driver: string, plugin: PluginOrigin): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw adoptPluginError(err, driver, plugin);
  }
}

function adoptingSync<T>(work: () => T, driver: string, plugin: PluginOrigin): T {
  try {
    return work();
  } catch (err) {
    throw adoptPluginError(err, driver, plugin);
  }
}

/** The registered driver with every call into plugin code behind adoptPluginError, and the plugin's name on it. */
function guarded(registered: RegisteredDriver, plugin: PluginOrigin): RegisteredDriver {
  const name = registered.name;
  const sync = <T>(work: () => T): T => adoptingSync(work, name, plugin);
  return {
    ...registered,
    plugin,
    configFromFlags: (flags) => sync(() => registered.configFromFlags(flags)),
    generatesSshKey: (config) => sync(() => registered.generatesSshKey(config) === true),
    enginePort: (config) =>
      sync(() => {
        const port = registered.enginePort(config);
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`enginePort answered ${String(port)}, not a TCP port`);
        return port;
      }),
    open: async (env: DriverEnvironment<StoredDriverConfig>) => guardedDriver(await adopting(() => registered.open(env), name, plugin), plugin),
  };
}

/** The plugin's driver with the same members, each call's errors adopted; members it lacks stay absent. */
function guardedDriver(driver: Driver, plugin: PluginOrigin): Driver {
  const call = <T>(work: () => Promise<T>): Promise<T> => adopting(work, driver.name, plugin);
  const optional = <K extends 'start' | 'stop' | 'restart' | 'kill' | 'diagnose'>(member: K): Partial<Pick<Driver, K>> => {
    const method = driver[member];
    return typeof method === 'function' ? ({ [member]: () => call(() => (method as () => Promise<unknown>).call(driver)) } as Partial<Pick<Driver, K>>) : {};
  };
  const hostKeys = driver.hostKeyFingerprints;
  const clusterAddress = driver.clusterAddress;
  const openPorts = driver.openSwarmPorts;
  const closePorts = driver.closeSwarmPorts;
  return {
    name: driver.name,
    ...(driver.statePollIntervalMs !== undefined ? { statePollIntervalMs: driver.statePollIntervalMs } : {}),
    preCreateCheck: () => call(() => driver.preCreateCheck()),
    create: (ctx) => call(() => driver.create(ctx)),
    state: () => call(() => driver.state()),
    ip: () => call(() => driver.ip()),
    sshEndpoint: () => call(() => driver.sshEndpoint()),
    remove: () => call(() => driver.remove()),
    ...LIFECYCLE_OPERATIONS.reduce<Partial<Driver>>((acc, op) => ({ ...acc, ...optional(op) }), {}),
    ...optional('diagnose'),
    ...(typeof hostKeys === 'function' ? { hostKeyFingerprints: (signal: AbortSignal) => call(() => hostKeys.call(driver, signal)) } : {}),
    ...(typeof clusterAddress === 'function' ? { clusterAddress: () => call(() => clusterAddress.call(driver)) } : {}),
    ...(typeof openPorts === 'function' ? { openSwarmPorts: () => call(() => openPorts.call(driver)) } : {}),
    ...(typeof closePorts === 'function' ? { closeSwarmPorts: () => call(() => closePorts.call(driver)) } : {}),
  };
}
