import * as path from 'node:path';
import { runProcess } from '../../../src/util/run-process';

export const repoRoot = path.join(__dirname, '..', '..', '..');
export const machineBin = path.join(repoRoot, 'bin', 'run.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The docker CLI's config folder for a test store: machine keeps its docker contexts there, and the
 * docker CLI in runShell reads them there, never in the ~/.docker of whoever runs the tests.
 */
export function dockerConfigFor(store: string): string {
  return path.join(store, 'docker-config');
}

/**
 * Runs the built CLI exactly as a user would (a separate process, the real bin/run.js over dist/),
 * against the given store. Tests need `npm run build` first; `npm test` does that.
 */
export function runMachine(store: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return runToEnd(process.execPath, [machineBin, ...args], {
    env: { ...process.env, MACHINE_STORAGE_PATH: store, DOCKER_CONFIG: dockerConfigFor(store), ...options.env },
    ...(options.input !== undefined ? { input: options.input } : {}),
    timeoutMs: options.timeoutMs ?? 900_000,
  });
}

/** A shell line with `machine` on PATH, as a user types it. Lines that run docker go through dockerOn (docker.ts). */
export function runShell(store: string, script: string, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const shimDir = path.join(repoRoot, 'test', 'e2e', 'helpers', 'bin');
  return runToEnd('bash', ['-c', script], {
    env: { ...process.env, MACHINE_STORAGE_PATH: store, DOCKER_CONFIG: dockerConfigFor(store), PATH: `${shimDir}:${process.env.PATH ?? ''}`, SHELL: '/bin/bash', ...options.env },
    timeoutMs: options.timeoutMs ?? 300_000,
  });
}

/** Runs a program to its end; its exit status is returned, not thrown, so tests can assert on it. */
async function runToEnd(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs: number }): Promise<RunResult> {
  const { exitCode, stdout, stderr } = await runProcess(command, args, { ...options, allowNonZeroExit: true });
  return { code: exitCode, stdout, stderr };
}
