import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OperationError } from '../core/errors';
import { writeFileAtomic } from '../core/fs-atomic';
import { isNotFound, readIfExists } from '../util/read-if-exists';

/**
 * The docker CLI's own configuration folder and the one key of its config.json that `machine` touches:
 * `currentContext`. Light on purpose (fs and path only): `machine env` reads it on every prompt.
 */

/** The docker CLI's name for "no context chosen": DOCKER_HOST, else the local socket. */
export const DEFAULT_CONTEXT = 'default';

/** Where the docker CLI keeps config.json and its contexts: $DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
}

function configFile(configDir: string): string {
  return path.join(configDir, 'config.json');
}

/**
 * The context config.json names, or undefined when it names none. A config.json that does not parse
 * counts as naming none, as the docker CLI itself then warns and carries on with the default.
 */
export async function readCurrentContext(configDir: string): Promise<string | undefined> {
  const text = await readIfExists(configFile(configDir));
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    const current = isObject(parsed) ? parsed.currentContext : undefined;
    return typeof current === 'string' && current !== '' ? current : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Makes `name` the current context, or the default one for undefined (the docker CLI then drops the
 * key, as `docker context use default` does). Every other key of config.json (credentials, proxies,
 * plugins) is kept as it was; the file is replaced atomically and keeps its mode. A config.json that
 * does not parse is refused rather than overwritten: it may hold credentials.
 */
export async function writeCurrentContext(configDir: string, name: string | undefined): Promise<void> {
  const target = await realTarget(configFile(configDir));
  const text = await readIfExists(target);
  let config: Record<string, unknown> = {};
  if (text !== undefined && text.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new OperationError('DOCKER_CONFIG_CORRUPT', `${target} is not valid JSON: not changing it`, ['fix or remove the file, then run the command again'], err);
    }
    if (!isObject(parsed)) throw new OperationError('DOCKER_CONFIG_CORRUPT', `${target} does not hold a JSON object: not changing it`);
    config = parsed;
  }
  if (name === undefined || name === DEFAULT_CONTEXT) delete config.currentContext;
  else config.currentContext = name;
  const mode = await modeOf(target);
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  // Tab-indented, as the docker CLI writes it, so a diff against its own writes shows only our key.
  await writeFileAtomic(target, JSON.stringify(config, null, '\t'), mode ?? 0o600);
}

/**
 * A config.json that is a symbolic link (dotfiles managers do this) is written where the link points,
 * as the docker CLI does; replacing the link itself would cut it off from its managed copy.
 */
async function realTarget(file: string): Promise<string> {
  try {
    const link = await fs.readlink(file);
    return path.resolve(path.dirname(file), link);
  } catch {
    return file;
  }
}

async function modeOf(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).mode & 0o777;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What plain `docker` talks to, from the environment and config.json, by the docker CLI's own precedence. */
export type DockerSelection = { kind: 'host'; dockerHost: string } | { kind: 'context'; context: string; source: 'DOCKER_CONTEXT' | 'config.json' } | { kind: 'default' };

/**
 * The docker CLI's order (verified against docker 28): a non-empty DOCKER_HOST wins over every context,
 * then DOCKER_CONTEXT, then config.json's currentContext; otherwise the default context.
 */
export function dockerSelection(env: NodeJS.ProcessEnv, currentContext: string | undefined): DockerSelection {
  if (env.DOCKER_HOST) return { kind: 'host', dockerHost: env.DOCKER_HOST };
  if (env.DOCKER_CONTEXT) return env.DOCKER_CONTEXT === DEFAULT_CONTEXT ? { kind: 'default' } : { kind: 'context', context: env.DOCKER_CONTEXT, source: 'DOCKER_CONTEXT' };
  if (currentContext && currentContext !== DEFAULT_CONTEXT) return { kind: 'context', context: currentContext, source: 'config.json' };
  return { kind: 'default' };
}

/**
 * `dockerSelection` for this process: reads config.json under $DOCKER_CONFIG unless DOCKER_HOST or
 * DOCKER_CONTEXT decides first. A config.json that cannot be read counts as naming no context: this
 * only informs (`ls`, warnings), and the docker CLI itself carries on past such a file.
 */
export async function currentDockerSelection(env: NodeJS.ProcessEnv = process.env): Promise<DockerSelection> {
  if (env.DOCKER_HOST || env.DOCKER_CONTEXT) return dockerSelection(env, undefined);
  const current = await readCurrentContext(dockerConfigDir(env)).catch(() => undefined);
  return dockerSelection(env, current);
}
