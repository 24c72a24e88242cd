import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { OperationError } from '../../src/core/errors';
import { ProcessError } from '../../src/util/process-error';
import { runProcess } from '../../src/util/run-process';

/**
 * Runs the driver's shipped PowerShell scripts (scripts/*.ps1), one Hyper-V operation each, the way
 * Windows tools talk to Hyper-V: `powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass
 * -File SCRIPT`, the parameters as one JSON document on standard input, the answer as one JSON document
 * on standard output. No value ever becomes script text. A script that fails answers
 * {"error": {message, category, errorId, exceptionType}} and exits 1 (see scripts/_common.ps1).
 */
export const SCRIPTS = ['host-facts', 'new-disk', 'new-vm', 'start-vm', 'stop-vm', 'turn-off-vm', 'get-vm', 'remove-vm'] as const;
export type ScriptName = (typeof SCRIPTS)[number];

export const POWERSHELL_ARGS = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File'] as const;
export const DEFAULT_POWERSHELL = 'powershell.exe';

export interface ScriptOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** What the driver needs from PowerShell: one script, JSON in, JSON out. Unit tests give a fake. */
export interface ScriptRunner {
  run(script: ScriptName, parameters: Record<string, unknown>, options?: ScriptOptions): Promise<unknown>;
}

const ELEVATION = /requires elevation|required permission|access is denied|UnauthorizedAccess/i;
const needsElevation = (category: string, message: string): boolean => category === 'PermissionDenied' || ELEVATION.test(message);

export const ELEVATION_ADVICE = [
  'run the terminal as Administrator, or add your user to the Hyper-V Administrators group (SID S-1-5-32-578) and sign in again',
  'e.g. in an elevated PowerShell: Add-LocalGroupMember -SID S-1-5-32-578 -Member $env:USERNAME',
];

/** A cmdlet's failure as the script reported it: the cmdlet's own message and error category. */
export class HyperVError extends OperationError {
  constructor(
    readonly script: ScriptName,
    readonly category: string,
    readonly errorId: string,
    message: string,
  ) {
    super(needsElevation(category, message) ? 'HYPERV_ELEVATION' : 'HYPERV_FAILED', `Hyper-V (${script}): ${message} [${category}]`, needsElevation(category, message) ? ELEVATION_ADVICE : []);
  }

  get needsElevation(): boolean {
    return this.code === 'HYPERV_ELEVATION';
  }
}

const DEFAULT_TIMEOUT_MS = 120_000;

/** The folder holding the scripts: beside this file in the source tree, and in the package root once built. */
export function scriptsDirectory(startDir: string = __dirname): string {
  for (let dir = startDir; ; dir = path.dirname(dir)) {
    for (const candidate of [path.join(dir, 'scripts'), path.join(dir, 'drivers', 'hyperv', 'scripts')]) {
      if (existsSync(path.join(candidate, '_common.ps1'))) return candidate;
    }
    if (path.dirname(dir) === dir) throw new Error(`the Hyper-V driver's scripts folder was not found above ${startDir}`);
  }
}

export class PowerShellRunner implements ScriptRunner {
  constructor(
    private readonly executable: string = DEFAULT_POWERSHELL,
    private readonly scriptsDir: string = scriptsDirectory(),
  ) {}

  scriptPath(script: ScriptName): string {
    return path.join(this.scriptsDir, `${script}.ps1`);
  }

  async run(script: ScriptName, parameters: Record<string, unknown>, options: ScriptOptions = {}): Promise<unknown> {
    const file = this.scriptPath(script);
    let result: { stdout: string; stderr: string; exitCode: number };
    try {
      result = await runProcess(this.executable, [...POWERSHELL_ARGS, file], {
        input: JSON.stringify(parameters),
        timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        allowNonZeroExit: true,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      if (err instanceof ProcessError && err.failure === 'not-found') {
        throw new OperationError('HYPERV_NO_POWERSHELL', `${this.executable} was not found: the Hyper-V driver runs on Windows, with Hyper-V and its PowerShell module enabled`, [
          'on Windows 10/11 Pro, Enterprise or Education, or Windows Server: Enable-WindowsOptionalFeature -Online -FeatureName Microsoft-Hyper-V-All',
          'on Linux or macOS use the qemu driver',
        ], err);
      }
      throw err;
    }
    return parseAnswer(script, result);
  }
}

/** The script's JSON answer, or the error it reported, or why its output is no answer at all. */
export function parseAnswer(script: ScriptName, result: { stdout: string; stderr: string; exitCode: number }): unknown {
  const text = result.stdout.replace(/^\uFEFF/, '').trim();
  let answer: unknown;
  try {
    answer = text === '' ? undefined : JSON.parse(text);
  } catch {
    answer = undefined;
  }
  const reported = errorOf(answer);
  if (reported) {
    throw new HyperVError(script, reported.category, reported.errorId, reported.message);
  }
  if (result.exitCode !== 0 || answer === undefined) {
    const output = [result.stderr.trim(), text].filter((s) => s !== '').join('\n').split('\n').slice(-20).join('\n');
    throw new OperationError('HYPERV_SCRIPT_FAILED', `Hyper-V script ${script}.ps1 ${result.exitCode !== 0 ? `exited with code ${result.exitCode}` : 'answered no JSON'}${output ? `: ${output}` : ''}`);
  }
  return answer;
}

function errorOf(answer: unknown): { message: string; category: string; errorId: string } | undefined {
  if (typeof answer !== 'object' || answer === null || !('error' in answer)) return undefined;
  const error = (answer as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return { message: String(error), category: 'NotSpecified', errorId: '' };
  const field = (name: string): string | undefined => {
    const value = (error as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : undefined;
  };
  return { message: field('message') ?? JSON.stringify(error), category: field('category') ?? 'NotSpecified', errorId: field('errorId') ?? '' };
}
