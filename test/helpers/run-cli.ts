import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { SYNC_CHILD_TIMEOUT_MS } from './sync-child';

/** The compiled CLI as users run it (bin/run.js): needs `npm run build`, which `npm test` runs first. */
export const REPO_ROOT = path.join(__dirname, '..', '..');
export const BIN = path.join(REPO_ROOT, 'bin', 'run.js');

export interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** This process's environment without what would change the CLI's behaviour on its own. */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DEBUG', 'MACHINE_DEBUG', 'MACHINE_STORAGE_PATH', 'MACHINE_DRIVER', 'ENGINE_REGISTRY_MIRROR']) delete env[name];
  return { ...env, ...extra };
}

export function runCli(argv: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...argv], {
    cwd: options.cwd ?? REPO_ROOT,
    encoding: 'utf8',
    env: cliEnv(options.env),
    timeout: SYNC_CHILD_TIMEOUT_MS,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Starts the CLI, waits until its stderr shows `ready` (a regular expression), sends `signal` and
 * resolves with how it ended.
 */
export function interruptCli(argv: readonly string[], ready: RegExp, signal: NodeJS.Signals, options: { env?: NodeJS.ProcessEnv; stdinTty?: boolean } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { cwd: REPO_ROOT, env: cliEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`never saw ${ready} on stderr; got: ${stderr}`));
    }, SYNC_CHILD_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!sent && ready.test(stderr)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (status, endedBy) => {
      clearTimeout(timer);
      resolve({ status, signal: endedBy, stdout, stderr });
    });
  });
}
