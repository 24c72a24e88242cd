import { type RegisteredDriver, allDriverFlags } from '../services/driver-registry';
import { UsageError } from '../core/errors';
import type { EngineInstall, EngineOptions, EngineTransport } from '../core/machine-record';

export interface ParsedCreateFlags {
  'engine-install': string;
  'engine-version'?: string;
  'engine-repo-url'?: string;
  'engine-repo-key'?: string;
  'engine-repo-suite'?: string;
  'engine-repo-component'?: string;
  'engine-label'?: string[];
  'engine-opt'?: string[];
  'engine-env'?: string[];
  'engine-insecure-registry'?: string[];
  'engine-registry-mirror'?: string[];
  'engine-storage-driver'?: string;
  'engine-transport'?: string;
}

/** Only the chosen driver's flags go to it; another driver's flag given by the user is a mistake worth naming. */
export function driverFlagsFor(driver: RegisteredDriver, flags: Record<string, unknown>, explicitlySet: Set<string>): Record<string, unknown> {
  const own: Record<string, unknown> = {};
  // The built-in drivers' flags are always declared; a plugin driver's only when it is the one named.
  for (const name of Object.keys({ ...allDriverFlags(), ...driver.flags })) {
    if (name.startsWith(`${driver.name}-`)) {
      if (flags[name] !== undefined) own[name] = flags[name];
    } else if (explicitlySet.has(name)) {
      throw new UsageError(`--${name} belongs to another driver, not to --driver ${driver.name}`);
    }
  }
  return own;
}

export function engineOptionsFrom(flags: ParsedCreateFlags, port: number): EngineOptions {
  const install = flags['engine-install'] as EngineInstall;
  if (install === 'repo' && (!flags['engine-repo-url'] || !flags['engine-repo-key'])) {
    throw new UsageError('--engine-install repo needs --engine-repo-url and --engine-repo-key');
  }
  if (install !== 'repo' && (flags['engine-repo-url'] || flags['engine-repo-key'])) {
    throw new UsageError('--engine-repo-url and --engine-repo-key only apply with --engine-install repo');
  }
  for (const [flag, values] of [['engine-label', flags['engine-label']], ['engine-opt', flags['engine-opt']], ['engine-env', flags['engine-env']]] as const) {
    for (const value of values ?? []) {
      if (!/^[^=\s]+=/.test(value)) throw new UsageError(`--${flag} takes name=value, got "${value}"`);
    }
  }
  const transport = (flags['engine-transport'] ?? 'tls') as EngineTransport;
  return {
    install,
    port,
    // Written only when it differs from what records without the field mean.
    ...(transport === 'ssh' ? { transport } : {}),
    labels: flags['engine-label'] ?? [],
    opts: flags['engine-opt'] ?? [],
    env: flags['engine-env'] ?? [],
    insecureRegistries: flags['engine-insecure-registry'] ?? [],
    registryMirrors: flags['engine-registry-mirror'] ?? [],
    ...(flags['engine-version'] ? { version: flags['engine-version'] } : {}),
    ...(flags['engine-repo-url'] ? { repoUrl: flags['engine-repo-url'] } : {}),
    ...(flags['engine-repo-suite'] ? { repoSuite: flags['engine-repo-suite'] } : {}),
    ...(install === 'repo' && flags['engine-repo-component'] ? { repoComponent: flags['engine-repo-component'] } : {}),
    ...(flags['engine-storage-driver'] ? { storageDriver: flags['engine-storage-driver'] } : {}),
  };
}
