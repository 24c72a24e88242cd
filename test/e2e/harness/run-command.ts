import { spawn, type StdioOptions } from 'node:child_process';

export interface CommandOutput {
  stdout: string;
  stderr: string;
}

export interface RunCommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Let stderr through to ours: long builds show their progress instead of going quiet for minutes. */
  inheritStderr?: boolean;
  timeoutMs?: number;
}

/** Runs a local tool to completion; a non-zero exit becomes an error that carries the tool's stderr. */
export function runCommand(command: string, args: readonly string[], options: RunCommandOptions = {}): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    const stdio: StdioOptions = ['ignore', 'pipe', options.inheritStderr ? 'inherit' : 'pipe'];
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve({ stdout, stderr });
        return;
      }
      const how = signal ? `was killed by ${signal}` : `exited with ${code}`;
      reject(new Error(`${command} ${args.join(' ')} ${how}\n${stderr.trim()}`));
    });
  });
}
