import type { SshConnectOptions } from '../ssh/client';
import type { RemoteSession } from '../ssh/session';
import type { WaitForSshOptions } from '../ssh/wait';

/**
 * How the orchestration reaches a host to run commands and provision it: one connection now, or a
 * wait until sshd answers. The default is ssh2; unit tests of the orchestration give a fake host.
 * The interactive shell and scp need ssh2's terminal and SFTP streams, and always use ssh2.
 */
export interface SshConnector {
  /** One connection; the host key is checked as `options.pinMode` says. */
  connect(options: SshConnectOptions): Promise<RemoteSession>;
  /** Connects as soon as the host's sshd answers, within `wait`'s limits. */
  waitFor(options: SshConnectOptions, wait: WaitForSshOptions): Promise<RemoteSession>;
}

/** ssh2, loaded on first use: `machine env` builds a MachineApp and must not pay for ssh2 at start-up. */
export const ssh2Connector: SshConnector = {
  async connect(options) {
    const { connectSsh } = await import('../ssh/client');
    return connectSsh(options);
  },
  async waitFor(options, wait) {
    const { waitForSsh } = await import('../ssh/wait');
    return waitForSsh(options, wait);
  },
};
