import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { buildBusyboxRootfsTar } from './harness/busybox-image';
import { type TestVm, bootVm, generateTestKeyPair } from './harness/vm';
import { findFreePorts } from './harness/free-port';
import { dockerConfigFor, machineBin, runMachine, runShell } from './helpers/cli';
import { makeTempDir } from '../helpers/tmp-store';

/**
 * `machine docker` and `machine proxy` on one real VM made an engine by `machine create --driver
 * generic`: the real docker CLI through `machine docker` (exit codes, piped stdin, the SSH fallback
 * when there is no local docker CLI), and dockerode through `machine proxy`'s socket across a dropped
 * SSH connection. Every engine call first checks that `docker info` names this machine. Last, the same
 * VM is made a machine with `--engine-transport ssh`: no engine port, reached by `machine docker` and
 * by the docker CLI's own ssh:// transport through the store's ssh_config.
 */
const MINUTE = 60_000;
const IMAGE = 'machine-test/busybox:latest';

describe('machine docker and machine proxy on a real VM', () => {
  let store: string;
  let keyFile: string;
  let vm: TestVm;
  let busyboxTar: string;
  let enginePort: number;
  const name = 'dock1';

  beforeAll(async () => {
    store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-e2e-dock-'));
    const keys = generateTestKeyPair();
    keyFile = `${store}-id_ed25519`;
    await fs.writeFile(keyFile, keys.privateKey, { mode: 0o600 });
    [enginePort] = await findFreePorts(1);
    [vm, busyboxTar] = await Promise.all([
      bootVm({ variant: 'engine', name: 'e2e-dock', authorizedKey: keys.publicKey, privateKey: keys.privateKey, forwardPorts: [enginePort] }),
      buildBusyboxRootfsTar(),
    ]);
    const create = await runMachine(store, [
      'create', '--driver', 'generic', '--generic-ip-address', '127.0.0.1', '--generic-ssh-port', String(vm.sshPort),
      '--generic-ssh-user', 'admin', '--generic-ssh-key', keyFile, '--generic-engine-port', String(enginePort),
      '--engine-install', 'none', name,
    ]);
    expect({ code: create.code, stderr: create.code === 0 ? '' : create.stderr }).toEqual({ code: 0, stderr: '' });
  }, 20 * MINUTE);

  afterAll(async () => {
    await vm?.stop();
    await fs.rm(store, { recursive: true, force: true });
    await fs.rm(keyFile, { force: true });
  });

  /** `machine docker NAME -- ARGS` run by a shell, so stdin can be piped in as a user would. */
  const machineDocker = (args: string, options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) =>
    runShell(store, `${options.stdin !== undefined ? `printf %s '${options.stdin}' | ` : ''}machine docker ${name} -- ${args}`, options.env ? { env: options.env } : {});

  it('runs the local docker CLI against the machine: exit codes and piped stdin pass through', async () => {
    // Our own environment points nowhere useful: only the child gets the machine's variables.
    const info = await machineDocker(`info --format '{{.Name}}'`, { env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });
    expect({ code: info.code, stdout: info.stdout.trim(), stderr: info.stderr }).toEqual({ code: 0, stdout: name, stderr: '' });

    expect((await machineDocker(`import ${busyboxTar} ${IMAGE}`)).code).toBe(0);
    const ok = await machineDocker(`run --rm ${IMAGE} echo ran-ok`);
    expect({ code: ok.code, stdout: ok.stdout.trim() }).toEqual({ code: 0, stdout: 'ran-ok' });
    const failing = await machineDocker(`run --rm ${IMAGE} sh -c 'exit 3'`);
    expect(failing.code).toBe(3);
    const piped = await machineDocker(`run -i --rm ${IMAGE} sh -c 'tr a-z A-Z; exit 5'`, { stdin: 'piped through stdin' });
    expect({ code: piped.code, stdout: piped.stdout }).toEqual({ code: 5, stdout: 'PIPED THROUGH STDIN' });
  }, 5 * MINUTE);

  it("without a local docker CLI, runs the machine's docker over SSH and says so", async () => {
    // Node is run by its full path, and machine reaches the host through ssh2, not a program: an empty
    // folder for PATH leaves no docker CLI, wherever this machine has one (docker.io puts it in /usr/bin).
    const emptyBin = await makeTempDir('machine-test-no-docker-');
    const env = { ...process.env, MACHINE_STORAGE_PATH: store, DOCKER_CONFIG: dockerConfigFor(store), PATH: emptyBin };
    const info = await runMachine(store, ['docker', name, '--', 'info', '--format', '{{.Name}}'], { env });
    expect({ code: info.code, stdout: info.stdout.trim(), stderr: info.stderr }).toEqual({
      code: 0,
      stdout: name,
      stderr: expect.stringContaining(`no docker CLI on this computer's PATH: running docker on machine "${name}" over SSH instead`),
    });
    const failing = await runMachine(store, ['docker', name, '--', 'run', '--rm', IMAGE, 'sh', '-c', 'echo "two words"; exit 3'], { env });
    expect({ code: failing.code, stdout: failing.stdout.trim() }).toEqual({ code: 3, stdout: 'two words' });
  }, 3 * MINUTE);

  it('serves the engine on a 0600 socket to dockerode, across a dropped SSH connection, until SIGTERM', async () => {
    const socketPath = path.join(store, 'proxy.sock');
    const proxy: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, [machineBin, 'proxy', name, '--socket', socketPath], {
      env: { ...process.env, MACHINE_STORAGE_PATH: store },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proxy.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    proxy.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => proxy.on('exit', (code) => resolve(code)));
    const until = async (condition: () => boolean, what: string): Promise<void> => {
      const end = Date.now() + 60_000;
      while (!condition()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; proxy stderr:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    try {
      await until(() => stdout.includes('\n'), 'the DOCKER_HOST line');
      expect(stdout).toBe(`DOCKER_HOST=unix://${socketPath}\n`);
      expect((await fs.lstat(socketPath)).mode & 0o777).toBe(0o600);

      const docker = new Docker({ socketPath });
      const runThroughProxy = async (marker: string): Promise<{ status: number; logs: string }> => {
        expect((await docker.info()).Name).toBe(name);
        const container = await docker.createContainer({ Image: IMAGE, Cmd: ['sh', '-c', `echo ${marker}; exit 4`], Tty: true });
        await container.start();
        const { StatusCode } = (await container.wait()) as { StatusCode: number };
        const logs = (await container.logs({ stdout: true })).toString();
        await container.remove();
        return { status: StatusCode, logs: logs.trim() };
      };
      expect(await runThroughProxy('first-run')).toEqual({ status: 4, logs: 'first-run' });

      // Drop every SSH connection of the login user on the VM (the proxy's among them); the command's own dies too.
      await runMachine(store, ['ssh', name, '--', `sudo pkill -KILL -f '[s]shd.*: admin' ; true`]);
      await until(() => stderr.includes('closed; reconnecting'), 'the proxy to notice the drop');
      expect(await runThroughProxy('after-reconnect')).toEqual({ status: 4, logs: 'after-reconnect' });
    } finally {
      proxy.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain(`machine proxy: stopped (SIGTERM); ${socketPath} removed`);
    await expect(fs.lstat(socketPath)).rejects.toMatchObject({ code: 'ENOENT' });
  }, 5 * MINUTE);

  it('--engine-transport ssh: no engine port on the host; machine docker, ls, env and the ssh:// context reach it through SSH', async () => {
    // The same VM becomes another machine (generic rm leaves the host alone; provisioning rewrites dockerd's drop-in).
    expect((await runMachine(store, ['rm', '-f', name])).code).toBe(0);
    const sshName = 'dock2';
    const create = await runMachine(store, [
      'create', '--driver', 'generic', '--generic-ip-address', '127.0.0.1', '--generic-ssh-port', String(vm.sshPort),
      '--generic-ssh-user', 'admin', '--generic-ssh-key', keyFile, '--generic-engine-port', String(enginePort),
      '--engine-install', 'none', '--engine-transport', 'ssh', sshName,
    ]);
    expect({ code: create.code, stderr: create.code === 0 ? '' : create.stderr }).toEqual({ code: 0, stderr: '' });

    // Nothing listens on the engine port inside the host, with TLS or without.
    const listening = await runMachine(store, ['ssh', sshName, '--', 'ss -Htln']);
    expect(listening.code).toBe(0);
    expect(listening.stdout).not.toMatch(/:2376\b/);
    expect(listening.stdout).toMatch(/:22\b/);

    const info = await runShell(store, `machine docker ${sshName} -- info --format '{{.Name}}'`);
    expect({ code: info.code, stdout: info.stdout.trim(), stderr: info.stderr }).toEqual({ code: 0, stdout: sshName, stderr: '' });
    const ls = await runMachine(store, ['ls', '--format', '{{.Name}} {{.State}} {{.URL}} {{.DockerVersion}}']);
    expect(ls.stdout.trim()).toMatch(new RegExp(`^${sshName} Running ssh://machine-${sshName} v\\d+\\.`));

    // The docker CLI's ssh:// transport runs `ssh` from PATH. A user adds `Include STORE/ssh_config` to
    // ~/.ssh/config once; here a wrapper passes the same file with -F, so the user's own config is untouched.
    const shim = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-e2e-sshshim-'));
    try {
      await fs.writeFile(path.join(shim, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F '${path.join(store, 'ssh_config')}' "$@"\n`, { mode: 0o755 });
      const withShim = { PATH: `${shim}:${path.join(__dirname, 'helpers', 'bin')}:${process.env.PATH ?? ''}` };
      const viaEnv = await runShell(store, `eval "$(machine env ${sshName})" && echo "$DOCKER_HOST" && docker info --format '{{.Name}}'`, { env: withShim });
      expect({ code: viaEnv.code, stdout: viaEnv.stdout.trim().split('\n') }).toEqual({ code: 0, stdout: [`ssh://machine-${sshName}`, sshName] });
      expect(viaEnv.stderr).toContain(`Include ${path.join(store, 'ssh_config')}`);
      const viaContext = await runShell(store, `docker --context machine-${sshName} info --format '{{.Name}}'`, { env: withShim });
      expect({ code: viaContext.code, stdout: viaContext.stdout.trim() }).toEqual({ code: 0, stdout: sshName });
    } finally {
      await fs.rm(shim, { recursive: true, force: true });
    }
  }, 8 * MINUTE);
});
