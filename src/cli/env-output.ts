import type { MachineApp } from '../services/app';
import { UsageError } from '../core/errors';
import { dockerEnvironment, dockerEnvUnsetNames } from '../engine/docker-env';
import { renderEnvScript } from '../engine/env-script';
import type { Shell } from '../engine/shells';

export interface EnvOutput {
  script: string;
  set: Array<[string, string]>;
  unset: string[];
}

/** What `machine env` prints, shared by the oclif command and its fast path. Local files only. */
export async function envOutput(app: MachineApp, options: { name?: string; shell: Shell; unset: boolean; noProxy: boolean; bin: string }): Promise<EnvOutput> {
  if (options.unset) {
    if (options.name) throw new UsageError('--unset takes no machine name');
    const unset = dockerEnvUnsetNames(options.noProxy);
    return { script: renderEnvScript({ shell: options.shell, set: [], unset, hintCommand: `${options.bin} env --unset` }), set: [], unset };
  }
  const record = await app.record(options.name);
  const { set } = dockerEnvironment(record, app.layout, { noProxy: options.noProxy, currentEnv: process.env });
  return { script: renderEnvScript({ shell: options.shell, set, unset: [], hintCommand: `${options.bin} env ${record.name}` }), set, unset: [] };
}
