import * as path from 'node:path';
import type { MachineApp } from './app';
import type { Progress } from './progress';
import { errorMessage } from '../core/errors';
import { writeFileAtomic } from '../core/fs-atomic';
import type { MachineRecord } from '../core/machine-record';
import { currentContextOverrides } from '../engine/context-conflicts';
import { DEFAULT_CONTEXT, dockerConfigDir, readCurrentContext, writeCurrentContext } from '../engine/docker-config';
import { DockerContextStore } from '../engine/docker-context-store';
import { contextNameFor, machineContextSpec, machineOfContext } from '../engine/machine-context';
import { readIfExists } from '../util/read-if-exists';

/**
 * Each machine keeps a docker context `machine-NAME` in the docker CLI's own store, so `docker --context`,
 * `docker context use` and every tool built on the docker CLI reach it without DOCKER_* variables.
 * `use` makes it the current context and remembers, in the machine store, which context was current
 * before, for `use --unset`.
 */

/** Writes (or rewrites) the machine's context from its record and certificate files; returns its name. */
export async function saveMachineContext(app: MachineApp, record: MachineRecord, configDir: string = dockerConfigDir()): Promise<string> {
  const spec = await machineContextSpec(record, app.layout);
  await new DockerContextStore(configDir).write(spec);
  return spec.name;
}

/** The machine's context, written when it does not exist yet (a machine made before contexts, another DOCKER_CONFIG). */
export async function ensureMachineContext(app: MachineApp, record: MachineRecord, configDir: string = dockerConfigDir()): Promise<string> {
  const name = contextNameFor(record.name);
  if (await new DockerContextStore(configDir).exists(name)) return name;
  return saveMachineContext(app, record, configDir);
}

/**
 * After create, provision, regenerate-certs or a move to a new address: bring the context in step. The
 * machine works without it (`machine env` does not need it), so a failure is a note, not a failed
 * command. With `onlyIfExists`, a context the user removed is not brought back.
 */
export async function refreshMachineContext(app: MachineApp, record: MachineRecord, progress: Progress, options: { onlyIfExists?: boolean } = {}): Promise<void> {
  const configDir = dockerConfigDir();
  try {
    if (options.onlyIfExists && !(await new DockerContextStore(configDir).exists(contextNameFor(record.name)))) return;
    const name = await saveMachineContext(app, record, configDir);
    progress.note('docker context', `${name} is up to date (docker --context ${name} ...)`);
  } catch (err) {
    progress.note('docker context', `could not write docker context ${contextNameFor(record.name)} in ${configDir}: ${errorMessage(err)}`);
  }
}

/**
 * `rm`: the machine's context goes too. When it is the current one, the context current before
 * `machine use` comes back first, so docker is never left pointing at a context that is gone.
 * Returns what was done, for the user.
 */
export async function dropMachineContext(app: MachineApp, name: string, configDir: string = dockerConfigDir()): Promise<string[]> {
  const notes: string[] = [];
  const context = contextNameFor(name);
  if ((await readCurrentContext(configDir)) === context) {
    notes.push(`the current docker context is now "${await restorePrevious(app, configDir)}"`);
  }
  if (await new DockerContextStore(configDir).remove(context)) notes.push(`removed docker context ${context}`);
  return notes;
}

export interface UseOutcome {
  context: string;
  /** The context current before, which `use --unset` goes back to. */
  previous: string;
  /** What in this shell overrides the current context (DOCKER_HOST, DOCKER_CONTEXT). */
  warnings: string[];
}

/** `machine use NAME`: (re)writes the machine's context and makes it docker's current context. */
export async function useMachine(app: MachineApp, name: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<UseOutcome> {
  const record = await app.record(name);
  const configDir = dockerConfigDir(env);
  const context = await saveMachineContext(app, record, configDir);
  const current = (await readCurrentContext(configDir)) ?? DEFAULT_CONTEXT;
  // Switching from one machine to another keeps the context from before the first `use`: --unset
  // means "back to what I had before machine", not "back one machine".
  const previous = machineOfContext(current) ? ((await recalled(app, configDir)) ?? DEFAULT_CONTEXT) : current;
  await remember(app, configDir, previous);
  await writeCurrentContext(configDir, context);
  return { context, previous, warnings: currentContextOverrides(env, context) };
}

export interface UnuseOutcome {
  /** The current context afterwards. */
  context: string;
  /** False when the current context was not a machine's, so it was left alone. */
  changed: boolean;
}

/** `machine use --unset`: back to the context that was current before `machine use`. */
export async function unuseMachine(app: MachineApp, env: NodeJS.ProcessEnv = process.env): Promise<UnuseOutcome> {
  const configDir = dockerConfigDir(env);
  const current = (await readCurrentContext(configDir)) ?? DEFAULT_CONTEXT;
  // The user switched to a context of their own since: that choice is theirs to keep.
  if (!machineOfContext(current)) return { context: current, changed: false };
  return { context: await restorePrevious(app, configDir), changed: true };
}

/** Makes the remembered context current again (the default one when it is gone), forgets it, and names it. */
async function restorePrevious(app: MachineApp, configDir: string): Promise<string> {
  const previous = await recalled(app, configDir);
  const usable = previous !== undefined && (previous === DEFAULT_CONTEXT || (await new DockerContextStore(configDir).exists(previous)));
  const target = usable ? previous : DEFAULT_CONTEXT;
  await writeCurrentContext(configDir, target);
  await forget(app, configDir);
  return target;
}

/**
 * The remembered contexts, one per docker config folder: a store used with two DOCKER_CONFIGs must not
 * send one back to the other's context.
 */
type Memory = Record<string, string>;

async function readMemory(app: MachineApp): Promise<Memory> {
  const text = await readIfExists(app.layout.previousDockerContextFile);
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Memory) : {};
  } catch {
    return {};
  }
}

async function writeMemory(app: MachineApp, memory: Memory): Promise<void> {
  await writeFileAtomic(app.layout.previousDockerContextFile, `${JSON.stringify(memory, null, 2)}\n`, 0o600);
}

async function recalled(app: MachineApp, configDir: string): Promise<string | undefined> {
  const value = (await readMemory(app))[path.resolve(configDir)];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

async function remember(app: MachineApp, configDir: string, context: string): Promise<void> {
  await writeMemory(app, { ...(await readMemory(app)), [path.resolve(configDir)]: context });
}

async function forget(app: MachineApp, configDir: string): Promise<void> {
  const memory = await readMemory(app);
  if (!(path.resolve(configDir) in memory)) return;
  delete memory[path.resolve(configDir)];
  await writeMemory(app, memory);
}
