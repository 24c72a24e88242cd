import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import type { CreateResult, Driver, DriverEnvironment } from '../../src/core/driver';
import { NotSupportedError, PreCreateCheckError, errorMessage } from '../../src/core/errors';
import type { MachineState, SshEndpoint } from '../../src/core/machine-record';
import type { GenericConfig } from './config';

const REACH_TIMEOUT_MS = 10_000;

/**
 * An existing host: nothing to make and nothing to delete. `rm` only forgets it (the engine stays
 * installed). There is no way to power it on, so `start` and `kill` are declared unsupported (see
 * index.ts); `stop` and `restart` ask the host itself over SSH.
 */
export class GenericDriver implements Driver {
  readonly name = 'generic';
  private readonly config: GenericConfig;

  constructor(private readonly env: DriverEnvironment<GenericConfig>) {
    this.config = env.config;
  }

  async preCreateCheck(): Promise<void> {
    const { sshKeyPath, ipAddress, sshPort } = this.config;
    if (sshKeyPath) {
      try {
        await fs.access(sshKeyPath, fs.constants.R_OK);
      } catch {
        throw new PreCreateCheckError(`SSH key ${sshKeyPath} does not exist or cannot be read`, ['pass a private key file with --generic-ssh-key']);
      }
    } else if (!process.env.SSH_AUTH_SOCK) {
      throw new PreCreateCheckError('no SSH key given and no ssh-agent running ($SSH_AUTH_SOCK is empty)', [
        'pass a private key with --generic-ssh-key, or add one to ssh-agent',
      ]);
    }
    try {
      await tcpReachable(ipAddress, sshPort, REACH_TIMEOUT_MS);
    } catch (err) {
      throw new PreCreateCheckError(`cannot reach ${ipAddress}:${sshPort} over TCP: ${errorMessage(err)}`, [
        'check --generic-ip-address and --generic-ssh-port, and that sshd runs on the host',
      ]);
    }
  }

  async create(): Promise<CreateResult> {
    return { ip: this.config.ipAddress, ssh: await this.sshEndpoint() };
  }

  async state(): Promise<MachineState> {
    try {
      await sshBanner(this.config.ipAddress, this.config.sshPort, 5_000);
      return 'Running';
    } catch {
      return 'Stopped';
    }
  }

  async ip(): Promise<string> {
    return this.config.ipAddress;
  }

  async sshEndpoint(): Promise<SshEndpoint> {
    const { ipAddress, sshPort, sshUser, sshKeyPath } = this.config;
    return sshKeyPath
      ? { host: ipAddress, port: sshPort, user: sshUser, keyPath: sshKeyPath }
      : { host: ipAddress, port: sshPort, user: sshUser, useAgent: true };
  }

  async remove(): Promise<string[]> {
    // The host is the user's: forgetting it is all that removal means here.
    return [];
  }

  async stop(): Promise<void> {
    await this.runOnHost('sudo -n systemctl poweroff || sudo -n shutdown -h now', 'stop');
  }

  async restart(): Promise<void> {
    await this.runOnHost('sudo -n systemctl reboot || sudo -n reboot', 'restart');
  }

  private async runOnHost(command: string, operation: string): Promise<void> {
    if (!this.env.ssh) throw new NotSupportedError(this.name, operation);
    // The connection drops as the host goes down; that is the expected outcome, not a failure.
    await this.env.ssh.run(command).catch(() => undefined);
  }
}

function tcpReachable(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs / 1000}s`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * Running means sshd answers with its banner. A bare TCP connect is not enough: port forwards and
 * load balancers accept connections for hosts that are down.
 */
function sshBanner(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`no SSH banner within ${timeoutMs / 1000}s`)), timeoutMs);
    socket.once('data', (data: Buffer) => finish(data.toString('latin1').startsWith('SSH-') ? undefined : new Error('not an SSH server')));
    socket.once('error', (err) => finish(err));
    socket.once('close', () => finish(new Error('closed before the SSH banner')));
  });
}
