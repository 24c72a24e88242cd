import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { MachineError, OperationError, errorMessage } from '../core/errors';
import { copyTree } from './copy-tree';
import { SshUnreachableError } from './errors';
import { execCommand, openExecChannel } from './exec';
import type { FileInfo } from './file-endpoint';
import { HostKeyPinning, type PinMode } from './host-key-pinning';
import { attachTerminal, processTerminal, ptyLike, type InteractiveOptions } from './interactive';
import { LocalFiles } from './local-files';
import { RemoteFiles } from './remote-files';
import type { ExecOptions, ExecResult, RemoteSession } from './session';
import { loadCredentials } from './credentials';
import { translateSshError, type ConnectionContext } from './translate-error';
import { debug, msSince } from '../util/debug';

export interface SshConnectOptions {
  host: string;
  port: number;
  user: string;
  privateKeyPath?: string;
  /** Also offer the keys of the running ssh-agent ($SSH_AUTH_SOCK). */
  useAgent?: boolean;
  knownHostsPath: string;
  pinMode: PinMode;
  /** Fingerprints the host is known to have (`SHA256:...`), e.g. read by a cloud driver from the console. */
  expectedFingerprints?: string[];
  /** How long the TCP connect plus SSH handshake may take. Default 20 s. */
  readyTimeoutMs?: number;
  /** The machine's name, for messages. */
  machineName: string;
}

const DEFAULT_READY_TIMEOUT_MS = 20_000;
/** Keepalives stop NAT gateways and firewalls from dropping a connection during a long, quiet apt run. */
const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 4;

/**
 * One SSH connection to a machine. Commands each get their own channel; file operations share one
 * SFTP channel, opened the first time it is needed.
 */
export class SshSession implements RemoteSession {
  /** The machine's files over this connection (for copies between machines). */
  readonly files: RemoteFiles;
  private sftpChannel?: Promise<SFTPWrapper>;
  private closed = false;

  constructor(
    private readonly client: Client,
    readonly options: SshConnectOptions,
  ) {
    this.files = new RemoteFiles(options.machineName, () => this.sftp());
    client.on('close', () => {
      this.closed = true;
    });
  }

  exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    return execCommand(this.client, command, this.options.machineName, options);
  }

  /** Writes the whole file and then sets `mode` exactly (default 0644), whatever the remote umask. */
  writeFile(remotePath: string, content: string | Buffer, mode?: number): Promise<void> {
    return this.files.writeFile(remotePath, content, mode);
  }

  readFile(remotePath: string): Promise<Buffer> {
    return this.files.readFile(remotePath);
  }

  mkdirp(remoteDir: string, mode?: number): Promise<void> {
    return this.files.mkdirp(remoteDir, mode);
  }

  /** Follows symbolic links; undefined when nothing is at the path. */
  stat(remotePath: string): Promise<FileInfo | undefined> {
    return this.files.stat(remotePath);
  }

  /** Copies the contents of `localDir` into `remoteDir` (created if missing), keeping modes. */
  uploadDir(localDir: string, remoteDir: string): Promise<void> {
    return copyTree(new LocalFiles(), localDir, this.files, remoteDir, { recursive: true });
  }

  /** Copies the contents of `remoteDir` into `localDir` (created if missing), keeping modes. */
  downloadDir(remoteDir: string, localDir: string): Promise<void> {
    return copyTree(this.files, remoteDir, new LocalFiles(), localDir, { recursive: true });
  }

  /** The user's login shell, wired to the local terminal (a PTY by default). Resolves with its exit code. */
  async shell(options: InteractiveOptions = {}): Promise<number> {
    const io = options.io ?? processTerminal();
    const pty = options.pty ?? ptyLike(io);
    const channel = await new Promise<ClientChannel>((resolve, reject) => {
      try {
        this.client.shell(pty, (err, opened) => (err ? reject(this.channelError(err)) : resolve(opened)));
      } catch (err) {
        // ssh2 throws instead of calling back when the connection is already closed.
        reject(this.channelError(err as Error));
      }
    });
    return attachTerminal(channel, io, pty !== false, this.options.machineName);
  }

  /**
   * Runs `command` wired to the local terminal (`machine ssh NAME -- CMD`) and resolves with its exit
   * code. A PTY is allocated only when local stdin is a terminal, so piping data through stays binary-safe.
   */
  async execInteractive(command: string, options: InteractiveOptions = {}): Promise<number> {
    const io = options.io ?? processTerminal();
    const pty = options.pty ?? (io.stdin.isTTY ? ptyLike(io) : false);
    const channel = await openExecChannel(this.client, command, this.options.machineName, pty || undefined, options.shell ?? 'posix');
    return attachTerminal(channel, io, pty !== false, this.options.machineName);
  }

  /**
   * A stream to a unix socket on the host (OpenSSH's direct-streamlocal channel), e.g. dockerd's
   * /var/run/docker.sock for `machine proxy`: no TCP port on the host is needed.
   */
  forwardToUnixSocket(remotePath: string): Promise<ClientChannel> {
    return new Promise<ClientChannel>((resolve, reject) => {
      try {
        this.client.openssh_forwardOutStreamLocal(remotePath, (err, channel) => (err ? reject(this.forwardError(remotePath, err)) : resolve(channel)));
      } catch (err) {
        // ssh2 throws instead of calling back when the connection is already closed.
        reject(this.forwardError(remotePath, err as Error));
      }
    });
  }

  /** True once the connection has closed, whoever closed it. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Calls `listener` once when the connection closes (the host dropped it, or close() was called). */
  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.client.once('close', listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const closed = new Promise<void>((resolve) => this.client.once('close', () => resolve()));
    this.client.end();
    await closed;
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpChannel ??= new Promise<SFTPWrapper>((resolve, reject) => {
      try {
        this.client.sftp((err, sftp) => (err ? reject(this.sftpError(err)) : resolve(sftp)));
      } catch (err) {
        reject(this.sftpError(err as Error));
      }
    });
    // A failed open is not cached: the next file operation tries again.
    this.sftpChannel.catch(() => (this.sftpChannel = undefined));
    return this.sftpChannel;
  }

  private sftpError(err: Error): MachineError {
    return new OperationError(
      'SSH_SFTP_UNAVAILABLE',
      `cannot open SFTP on machine "${this.options.machineName}": ${errorMessage(err)}`,
      ['make sure the host\'s sshd_config has a `Subsystem sftp` line (OpenSSH enables it by default)'],
      err,
    );
  }

  private forwardError(remotePath: string, err: Error): MachineError {
    return new OperationError('SSH_FORWARD_FAILED', `cannot reach ${remotePath} on machine "${this.options.machineName}" over SSH: ${errorMessage(err)}`, [
      'the SSH user needs access to the socket (membership of its group, e.g. docker) and sshd must allow stream forwarding (AllowStreamLocalForwarding)',
      `provisioning adds the SSH user to the docker group: \`machine provision ${this.options.machineName}\``,
    ], err);
  }

  private channelError(err: Error): MachineError {
    return new OperationError('SSH_EXEC_FAILED', `cannot open a shell on machine "${this.options.machineName}": ${errorMessage(err)}`, [], err);
  }
}

/** Connects, verifies the host key against the pin, and authenticates. Every failure is a MachineError. */
export async function connectSsh(options: SshConnectOptions): Promise<SshSession> {
  const credentials = await loadCredentials(options);
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const context: ConnectionContext = { ...options, credentials: credentials.description, readyTimeoutMs };
  const pinning = new HostKeyPinning(options);
  const serverHostKey = await pinning.preferredAlgorithms();
  const started = performance.now();
  const target = `${options.machineName}: ssh ${options.user}@${options.host}:${options.port}`;

  const connected = new Promise<SshSession>((resolve, reject) => {
    const client = new Client();
    let hostKeyRefusal: unknown;
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      client.end();
      reject(translateSshError(hostKeyRefusal ?? err, context));
    };
    const config: ConnectConfig = {
      host: options.host,
      port: options.port,
      username: options.user,
      ...credentials.config,
      readyTimeout: readyTimeoutMs,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      algorithms: { serverHostKey },
      hostVerifier: (key: Buffer, verify: (accept: boolean) => void) => {
        pinning.check(key).then(
          () => verify(true),
          (err: unknown) => {
            hostKeyRefusal = err;
            verify(false);
          },
        );
      },
    };
    client.on('ready', () => {
      settled = true;
      resolve(new SshSession(client, options));
    });
    // Kept for the whole connection: an 'error' event without a listener would crash the process.
    client.on('error', fail);
    client.on('close', () => fail(new SshUnreachableError(options, 'the connection closed before the SSH handshake')));
    try {
      client.connect(config);
    } catch (err) {
      fail(err);
    }
  });
  return connected.then(
    (session) => {
      debug('ssh', () => `${target} connected in ${msSince(started)} ms, offering ${credentials.description}`);
      return session;
    },
    (err: unknown) => {
      debug('ssh', () => `${target} not connected after ${msSince(started)} ms: ${errorMessage(err)}`);
      throw err;
    },
  );
}

export type { FileInfo } from './file-endpoint';
export type { InteractiveOptions, PtyOptions, TerminalIo } from './interactive';
export type { PinMode } from './host-key-pinning';
