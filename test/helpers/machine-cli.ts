import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { SYNC_CHILD_TIMEOUT_MS } from './sync-child';

/**
 * The built CLI (bin/run.js over dist/) as users run it, for tests that need a real process: its
 * signals, its exit code, its lock. Needs `npm run build`, which `npm test` runs first.
 */
export const repoRoot = path.join(__dirname, '..', '..');
const entry = path.join(repoRoot, 'bin', 'run.js');

export interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment without what would change the CLI's output or aim it at the user's own store. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ['DEBUG', 'MACHINE_DEBUG', 'MACHINE_STORAGE_PATH', 'DOCKER_HOST', 'DOCKER_CONTEXT']) if (!(name in extra)) delete env[name];
  return env;
}

/** Runs the CLI to its end. */
export function machineSync(argv: string[], env: Record<string, string> = {}): CliRun {
  const result = spawnSync(process.execPath, [entry, ...argv], { cwd: repoRoot, encoding: 'utf8', env: cliEnv(env), timeout: SYNC_CHILD_TIMEOUT_MS });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** A CLI process still running: its output so far, a way to wait for a line, and its end. */
export class RunningCli {
  stdout = '';
  stderr = '';
  readonly ended: Promise<CliRun>;
  private readonly child: ChildProcess;

  constructor(argv: string[], env: Record<string, string> = {}, wrapper: string[] = []) {
    const [command, ...args] = wrapper.length > 0 ? [...wrapper, process.execPath, entry, ...argv] : [process.execPath, entry, ...argv];
    this.child = spawn(command as string, args, { cwd: repoRoot, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.ended = new Promise((resolve) => {
      this.child.on('close', (status, signal) => resolve({ status, signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Resolves once stderr matches; fails (with what was printed) if the process ends first or time runs out. */
  async waitForStderr(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
    const started = Date.now();
    while (!pattern.test(this.stderr)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`the CLI ended before printing ${pattern}:\n${this.stderr}`);
      if (Date.now() - started > timeoutMs) throw new Error(`the CLI did not print ${pattern} within ${timeoutMs} ms:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}
