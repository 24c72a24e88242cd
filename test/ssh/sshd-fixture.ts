import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { SshConnectOptions } from '../../src/ssh/client';

/**
 * A real OpenSSH server for tests: `sshd -D -e` on 127.0.0.1 with its own host key, config, pid file
 * and authorized_keys in a temp folder. Needs Debian's `openssh-server` (for /usr/sbin/sshd and
 * sftp-server) and `openssh-client` (ssh-keygen). Runs as the current user; as root, logins as root
 * are allowed with keys only.
 */
const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';
const SFTP_SERVER = '/usr/lib/openssh/sftp-server';

export interface SshdFixture {
  readonly host: string;
  readonly port: number;
  /** The local user the server lets in. */
  readonly user: string;
  /** A temp folder for the test's own files too; removed by stop(). */
  readonly dir: string;
  /** Private key (OpenSSH format) authorized on the server. */
  readonly clientKeyPath: string;
  /** The current host key's private file; its `.pub` sits beside it. */
  hostKeyPath: string;
  /** Connection options for this server with a fresh known_hosts path in `dir`. */
  connectOptions(overrides?: Partial<SshConnectOptions>): SshConnectOptions;
  /** The `SHA256:...` fingerprint of a public key file, as OpenSSH's ssh-keygen prints it. */
  fingerprintOf(publicKeyPath: string): Promise<string>;
  /** Makes a new ed25519 key pair in `dir`; returns the private key path. */
  newKey(name: string): Promise<string>;
  /** Restarts on the same port, optionally with another host key (a "rebuilt" host). */
  restart(options?: { hostKeyPath?: string }): Promise<void>;
  stop(): Promise<void>;
}

export interface SshdFixtureOptions {
  /** Listen on this port instead of a free one. */
  port?: number;
  /** Also authorize this public key file (e.g. another fixture's client key). */
  alsoAuthorize?: string;
  /** More sshd_config lines (e.g. a ForceCommand that keeps every command waiting). */
  extraConfig?: string[];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

async function newKey(dir: string, name: string): Promise<string> {
  const keyPath = path.join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', keyPath]);
  return keyPath;
}

function writeConfig(dir: string, port: number, hostKeyPath: string, extraConfig: string[] = []): Promise<void> {
  const config = [
    'ListenAddress 127.0.0.1',
    `Port ${port}`,
    `HostKey ${hostKeyPath}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    'StrictModes no',
    `Subsystem sftp ${SFTP_SERVER}`,
    'LogLevel ERROR',
    ...extraConfig,
  ];
  return fs.writeFile(path.join(dir, 'sshd_config'), `${config.join('\n')}\n`);
}

/** Starts sshd and resolves once it listens (it says so on stderr with -e). */
function launch(dir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(SSHD, ['-D', '-e', '-o', 'LogLevel=INFO', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sshd did not start within 10s:\n${log}`));
    }, 10_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (/Server listening on/.test(log)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${code}:\n${log}`));
    });
    child.on('error', reject);
  });
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function startSshd(options: SshdFixtureOptions = {}): Promise<SshdFixture> {
  // sshd insists on its privilege separation folder existing, even when it runs unprivileged.
  if (process.getuid?.() === 0) await fs.mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-sshd-'));
  const port = options.port ?? (await freePort());
  const clientKeyPath = await newKey(dir, 'client_key');
  const authorized = [await fs.readFile(`${clientKeyPath}.pub`, 'utf8')];
  if (options.alsoAuthorize) authorized.push(await fs.readFile(options.alsoAuthorize, 'utf8'));
  await fs.writeFile(path.join(dir, 'authorized_keys'), authorized.join(''));
  let hostKeyPath = await newKey(dir, 'host_key');
  await writeConfig(dir, port, hostKeyPath, options.extraConfig);
  let child = await launch(dir);
  const user = os.userInfo().username;

  const fixture: SshdFixture = {
    host: '127.0.0.1',
    port,
    user,
    dir,
    clientKeyPath,
    get hostKeyPath() {
      return hostKeyPath;
    },
    set hostKeyPath(value: string) {
      hostKeyPath = value;
    },
    connectOptions: (overrides = {}) => ({
      host: '127.0.0.1',
      port,
      user,
      privateKeyPath: clientKeyPath,
      knownHostsPath: path.join(dir, 'known_hosts'),
      pinMode: 'trust-on-first-use',
      machineName: 'test-machine',
      readyTimeoutMs: 5_000,
      ...overrides,
    }),
    fingerprintOf: async (publicKeyPath) => {
      const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyPath]);
      const match = /SHA256:[A-Za-z0-9+/]+/.exec(stdout);
      if (!match) throw new Error(`unexpected ssh-keygen -l output: ${stdout}`);
      return match[0];
    },
    newKey: (name) => newKey(dir, name),
    restart: async (restartOptions = {}) => {
      await terminate(child);
      if (restartOptions.hostKeyPath) hostKeyPath = restartOptions.hostKeyPath;
      await writeConfig(dir, port, hostKeyPath, options.extraConfig);
      child = await launch(dir);
    },
    stop: async () => {
      await terminate(child);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}
