import { spawn } from 'node:child_process';
import * as path from 'node:path';

export const repoRoot = path.join(__dirname, '..', '..', '..');
export const machineBin = path.join(repoRoot, 'bin', 'run.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI exactly as a user would (a separate process, the real bin/run.js over dist/),
 * against the given store. Tests need `npm run build` first; `npm test` does that.
 */
export function runMachine(store: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return runProcess(process.execPath, [machineBin, ...args], {
    env: { ...process.env, MACHINE_STORAGE_PATH: store, ...options.env },
    ...(options.input !== undefined ? { input: options.input } : {}),
    timeoutMs: options.timeoutMs ?? 900_000,
  });
}

/** A shell line with `machine` on PATH, as a user types it: `eval "$(machine env x)" && docker ps`. */
export function runShell(store: string, script: string, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const shimDir = path.join(repoRoot, 'test', 'e2e', 'helpers', 'bin');
  return runProcess('bash', ['-c', script], {
    env: { ...process.env, MACHINE_STORAGE_PATH: store, PATH: `${shimDir}:${process.env.PATH ?? ''}`, SHELL: '/bin/bash', ...options.env },
    timeoutMs: options.timeoutMs ?? 300_000,
  });
}

export function runProcess(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${options.timeoutMs / 1000}s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
