import * as os from 'node:os';
import * as path from 'node:path';
import type { MachineApp } from '../services/app';
import { UsageError } from '../core/errors';
import { engineTransport, sshHostAlias, type MachineRecord } from '../core/machine-record';
import { includesStoreSshConfig, storeSshConfigPath } from '../engine/ssh-client-config';
import { readIfExists } from '../util/read-if-exists';
import { contextVariableOverrides, contextsShadowedByDockerHost } from '../engine/context-conflicts';
import { dockerConfigDir, readCurrentContext } from '../engine/docker-config';
import { dockerContextEnvironment, dockerEnvUnsetNames, dockerEnvironment } from '../engine/docker-env';
import { renderEnvScript } from '../engine/env-script';
import type { Shell } from '../engine/shells';
import { ensureMachineContext } from '../services/docker-context';
import { storeWords, withStoreInHints } from './store-hints';

export interface EnvOutput {
  script: string;
  set: Array<[string, string]>;
  unset: string[];
  /** For stderr: where the environment would override what the script sets, or be overridden by it. */
  warnings: string[];
}

export interface EnvRequest {
  name?: string;
  shell: Shell;
  unset: boolean;
  noProxy: boolean;
  /** DOCKER_CONTEXT=machine-NAME instead of the four TLS variables. */
  context: boolean;
  bin: string;
  /** The store as --storage-path gave it (absolute): the closing hint repeats it. Undefined otherwise. */
  storePathFlag?: string;
  /** The environment the script will run in (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/**
 * What `machine env` prints, shared by the oclif command and its fast path. Local files only: the
 * store, and for --context the docker CLI's context store (the context is written if missing).
 */
export async function envOutput(app: MachineApp, options: EnvRequest): Promise<EnvOutput> {
  const env = options.env ?? process.env;
  const contextFlag = options.context ? ['--context'] : [];
  // The hint must reach this same store: it repeats --storage-path when that chose the store.
  const hint = (words: string[]) => [options.bin, ...storeWords(options.storePathFlag), 'env', ...words];
  if (options.unset) {
    if (options.name) throw new UsageError('--unset takes no machine name');
    const unset = dockerEnvUnsetNames(options.noProxy, env, options.context);
    return { script: renderEnvScript({ shell: options.shell, set: [], unset, hintCommand: hint(['--unset', ...contextFlag]) }), set: [], unset, warnings: [] };
  }
  const record = await app.record(options.name);
  const { set, unset, warnings } = options.context ? await contextForm(app, record, options.noProxy, env) : await variablesForm(app, record, options.noProxy, env);
  return {
    script: renderEnvScript({ shell: options.shell, set, unset, hintCommand: hint([...contextFlag, record.name]) }),
    set,
    unset,
    warnings: warnings.map((warning) => withStoreInHints(warning, options.storePathFlag)),
  };
}

async function variablesForm(app: MachineApp, record: MachineRecord, noProxy: boolean, env: NodeJS.ProcessEnv): Promise<Pick<EnvOutput, 'set' | 'unset' | 'warnings'>> {
  const { set, unset } = dockerEnvironment(record, app.layout, { noProxy, currentEnv: env });
  // config.json is read only when DOCKER_CONTEXT does not already decide; unreadable, it names no context.
  const current = env.DOCKER_CONTEXT ? undefined : await readCurrentContext(dockerConfigDir(env)).catch(() => undefined);
  return { set, unset, warnings: [...contextsShadowedByDockerHost(env, current, record.name), ...(await sshTransportNotes(app, record))] };
}

async function contextForm(app: MachineApp, record: MachineRecord, noProxy: boolean, env: NodeJS.ProcessEnv): Promise<Pick<EnvOutput, 'set' | 'unset' | 'warnings'>> {
  const context = await ensureMachineContext(app, record, dockerConfigDir(env));
  const { set } = dockerContextEnvironment(record, context, { noProxy, currentEnv: env });
  return { set, unset: [], warnings: [...contextVariableOverrides(env), ...(await sshTransportNotes(app, record))] };
}

/**
 * The docker CLI runs the system ssh for ssh:// hosts, which finds the machine's alias only through the
 * store's ssh_config: when ~/.ssh/config does not include it yet, say the one line to add.
 */
async function sshTransportNotes(app: MachineApp, record: MachineRecord): Promise<string[]> {
  if (engineTransport(record) !== 'ssh') return [];
  const home = os.homedir();
  const userConfig = (await readIfExists(path.join(home, '.ssh', 'config')).catch(() => undefined)) ?? '';
  if (includesStoreSshConfig(userConfig, app.layout, home)) return [];
  return [
    `${record.name} is reached through SSH only, and docker's ssh:// transport finds the host alias ${sshHostAlias(record.name)} ` +
      `once ~/.ssh/config has the line \`Include ${storeSshConfigPath(app.layout)}\` (one line for every machine); ` +
      `\`machine docker ${record.name} -- ...\` and \`machine proxy ${record.name}\` work without it`,
  ];
}

/** How both forms of `machine env` show a warning on stderr, so the fast path and oclif's print the same. */
export function formatEnvWarning(warning: string): string {
  return `Warning: ${warning}\n`;
}
