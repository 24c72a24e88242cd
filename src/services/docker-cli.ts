import { accessSync, constants as fsConstants, promises as fs, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MachineApp } from './app';
import { engineTransport, type MachineRecord } from '../core/machine-record';
import type { StoreLayout } from '../core/store-layout';
import { dockerEnvironment } from '../engine/docker-env';
import { shellCommandLine } from '../util/shell-quote';
import { withInteractiveSession } from './ssh-access';

/**
 * `machine docker NAME -- ARGS`: the local docker CLI pointed at the machine for this one child (the
 * variables of `machine env`, never our own environment), or, without a local docker CLI, the
 * machine's own docker over SSH.
 */
export async function runDockerOnMachine(app: MachineApp, record: MachineRecord, args: readonly string[]): Promise<number> {
  const local = findOnPath('docker', process.env);
  if (local && engineTransport(record) === 'ssh') return runLocalDockerThroughProxy(app, record, local, args);
  if (local) return runLocalDocker(local, args, dockerChildEnvironment(app.layout, record));
  process.stderr.write(`no docker CLI on this computer's PATH: running docker on machine "${record.name}" over SSH instead\n`);
  return withInteractiveSession(app, record, (session) => {
    const pty = process.stdin.isTTY ? { term: process.env.TERM || 'xterm-256color', cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 } : false;
    return session.execInteractive(shellCommandLine(['docker', ...args]), { pty });
  });
}

/**
 * The ssh transport: a private proxy socket for this one docker command, over one pinned-key SSH
 * connection, so it works without the user's ssh configuration (the ssh:// alias needs an Include).
 */
async function runLocalDockerThroughProxy(app: MachineApp, record: MachineRecord, docker: string, args: readonly string[]): Promise<number> {
  // Lazy: the proxy brings ssh2, which the tls transport's docker commands never need.
  const { engineProxyFor } = await import('./engine-proxy');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-docker-'));
  const socketPath = path.join(dir, 'docker.sock');
  const proxy = engineProxyFor(app, record, socketPath);
  try {
    await proxy.start();
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${socketPath}`, DOCKER_MACHINE_NAME: record.name };
    for (const name of ['DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']) delete env[name];
    return await runLocalDocker(docker, args, env);
  } finally {
    await proxy.stop().catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Ours plus the machine's variables; DOCKER_CONTEXT goes, as the docker CLI refuses it beside DOCKER_HOST. */
export function dockerChildEnvironment(layout: StoreLayout, record: MachineRecord, current: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...current };
  delete env.DOCKER_CONTEXT;
  const { set, unset } = dockerEnvironment(record, layout, { noProxy: true, currentEnv: current });
  for (const name of unset) delete env[name];
  for (const [key, value] of set) env[key] = value;
  return env;
}

/** The first executable `name` in env.PATH, as a shell would find it; undefined when there is none. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // Not here (or not executable): the next directory, as a shell does.
    }
  }
  return undefined;
}

/**
 * Runs docker with our stdin, stdout and stderr (a terminal stays a terminal, so `-it` works) and
 * answers its exit code; killed by a signal, 128 + the signal's number, as a shell reports it.
 */
async function runLocalDocker(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  // Lazy: child_process is not loaded by the commands that never start a program.
  const { spawn } = await import('node:child_process');
  // Ctrl-C in a terminal reaches docker too (same process group): docker decides, we wait for its code.
  const ignore = (): void => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(file, [...args], { stdio: 'inherit', env });
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
    });
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGTERM', ignore);
  }
}
