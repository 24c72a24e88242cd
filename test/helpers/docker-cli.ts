import { execFile, spawnSync } from 'node:child_process';
import { SYNC_CHILD_TIMEOUT_MS } from './sync-child';

/** Whether the real docker CLI is on PATH: tests that read its context store need it. */
export const hasDockerCli = spawnSync('docker', ['--version'], { timeout: SYNC_CHILD_TIMEOUT_MS }).status === 0;

export interface DockerRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real docker CLI with DOCKER_CONFIG set to `configDir` and none of this process's DOCKER_HOST
 * or DOCKER_CONTEXT, unless `env` sets them: what it reads is only what the test wrote.
 */
export function docker(configDir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<DockerRun> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: configDir };
  for (const name of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']) delete childEnv[name];
  Object.assign(childEnv, env);
  return new Promise((resolve) => {
    execFile('docker', args, { env: childEnv, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `docker context ls`, parsed: one object per context. */
export async function dockerContexts(configDir: string, env: NodeJS.ProcessEnv = {}): Promise<Array<{ Name: string; Current: boolean; DockerEndpoint: string; Description: string; Error: string }>> {
  const listed = await docker(configDir, ['context', 'ls', '--format', '{{json .}}'], env);
  if (listed.code !== 0) throw new Error(`docker context ls failed: ${listed.stderr}`);
  return listed.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}
