import { OperationError } from '../../src/core/errors';
import type { ScriptName, ScriptOptions, ScriptRunner } from './powershell';

/**
 * One typed function per script: the parameters it takes and the answer it gives, checked field by
 * field (a script's answer is data from another program). Every field a script reads is always sent,
 * null when absent, because the scripts run under Set-StrictMode.
 */
export interface SwitchInfo {
  name: string;
  /** Internal, External or Private. */
  type: string;
}

export interface HostFacts {
  platform: string;
  osVersion: string;
  psVersion: string;
  computerName: string;
  hyperVModule: boolean;
  isAdministrator: boolean;
  isHyperVAdministrator: boolean;
  /** null when they could not be listed (no module, no rights, or Hyper-V answered an error). */
  switches: SwitchInfo[] | null;
  vmNameTaken: boolean;
  hyperVError: { message: string; category: string } | null;
}

export interface VmInfo {
  id: string;
  name: string;
  state: string;
  addresses: string[];
}

/** How the scripts find the machine's VM: by id, or before that by name and the note create wrote. */
export interface VmRef {
  id: string | null;
  name: string;
  marker: string;
}

export interface NewVmSpec {
  name: string;
  marker: string;
  path: string;
  memoryMb: number;
  cpuCount: number;
  dynamicMemory: boolean;
  diskPath: string;
  seedPath: string;
  switchName: string;
  macAddress: string | null;
  vlanId: number | null;
  secureBoot: boolean;
  secureBootTemplate: string;
}

type Answer = Record<string, unknown>;

async function call(runner: ScriptRunner, script: ScriptName, parameters: Record<string, unknown>, options?: ScriptOptions): Promise<Answer> {
  const answer = await runner.run(script, parameters, options);
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) throw badAnswer(script, 'not a JSON object');
  return answer as Answer;
}

function badAnswer(script: ScriptName, why: string): OperationError {
  return new OperationError('HYPERV_BAD_ANSWER', `Hyper-V script ${script}.ps1 gave an answer the driver cannot read: ${why}`);
}

function str(script: ScriptName, answer: Answer, key: string): string {
  const value = answer[key];
  if (typeof value !== 'string') throw badAnswer(script, `"${key}" is not a string`);
  return value;
}

function bool(script: ScriptName, answer: Answer, key: string): boolean {
  const value = answer[key];
  if (typeof value !== 'boolean') throw badAnswer(script, `"${key}" is not true or false`);
  return value;
}

/** ConvertTo-Json writes a one-element array as the element itself in some versions; accept both. */
function list(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export async function hostFacts(runner: ScriptRunner, vmName: string): Promise<HostFacts> {
  const a = await call(runner, 'host-facts', { vmName }, { timeoutMs: 60_000 });
  const switches =
    a.switches === null || a.switches === undefined
      ? null
      : list(a.switches).map((s) => {
          const entry = (typeof s === 'object' && s !== null ? s : {}) as Answer;
          return { name: str('host-facts', entry, 'name'), type: str('host-facts', entry, 'type') };
        });
  const rawError = a.hyperVError as Answer | null | undefined;
  return {
    platform: str('host-facts', a, 'platform'),
    osVersion: typeof a.osVersion === 'string' ? a.osVersion : '',
    psVersion: typeof a.psVersion === 'string' ? a.psVersion : '',
    computerName: typeof a.computerName === 'string' ? a.computerName : '',
    hyperVModule: bool('host-facts', a, 'hyperVModule'),
    isAdministrator: bool('host-facts', a, 'isAdministrator'),
    isHyperVAdministrator: bool('host-facts', a, 'isHyperVAdministrator'),
    switches,
    vmNameTaken: a.vmNameTaken === true,
    hyperVError: rawError && typeof rawError === 'object' ? { message: String(rawError.message), category: String(rawError.category) } : null,
  };
}

export async function newDisk(runner: ScriptRunner, source: string, target: string, sizeBytes: number, signal?: AbortSignal): Promise<{ path: string; sizeBytes: number }> {
  // Converting a multi-gigabyte image takes a while on a slow disk.
  const a = await call(runner, 'new-disk', { source, path: target, sizeBytes }, { timeoutMs: 30 * 60_000, ...(signal ? { signal } : {}) });
  const size = a.sizeBytes;
  if (typeof size !== 'number') throw badAnswer('new-disk', '"sizeBytes" is not a number');
  return { path: str('new-disk', a, 'path'), sizeBytes: size };
}

export async function newVm(runner: ScriptRunner, spec: NewVmSpec, signal?: AbortSignal): Promise<{ id: string }> {
  const a = await call(runner, 'new-vm', { ...spec }, { timeoutMs: 5 * 60_000, ...(signal ? { signal } : {}) });
  return { id: str('new-vm', a, 'id') };
}

export async function startVm(runner: ScriptRunner, vm: VmRef, signal?: AbortSignal): Promise<void> {
  await call(runner, 'start-vm', { ...vm }, { timeoutMs: 5 * 60_000, ...(signal ? { signal } : {}) });
}

export async function stopVm(runner: ScriptRunner, vm: VmRef, timeoutSeconds: number): Promise<{ forced: boolean; reason: string | null }> {
  const a = await call(runner, 'stop-vm', { ...vm, timeoutSeconds }, { timeoutMs: (timeoutSeconds + 120) * 1000 });
  return { forced: a.forced === true, reason: typeof a.reason === 'string' ? a.reason : null };
}

export async function turnOffVm(runner: ScriptRunner, vm: VmRef): Promise<void> {
  await call(runner, 'turn-off-vm', { ...vm }, { timeoutMs: 2 * 60_000 });
}

export async function getVm(runner: ScriptRunner, vm: VmRef, signal?: AbortSignal): Promise<VmInfo | undefined> {
  const a = await call(runner, 'get-vm', { ...vm }, { timeoutMs: 60_000, ...(signal ? { signal } : {}) });
  if (!bool('get-vm', a, 'found')) return undefined;
  return {
    id: str('get-vm', a, 'id'),
    name: str('get-vm', a, 'name'),
    state: str('get-vm', a, 'state'),
    addresses: list(a.addresses).filter((x): x is string => typeof x === 'string'),
  };
}

export async function removeVm(runner: ScriptRunner, vm: VmRef): Promise<boolean> {
  const a = await call(runner, 'remove-vm', { ...vm }, { timeoutMs: 5 * 60_000 });
  return a.removed === true;
}
