import { UsageError } from '../../src/core/errors';
import { portFlag, stringFlag } from '../../src/util/flag-values';

/** What the generic driver persists: how to reach an existing host. The key is a path, never its content. */
export interface GenericConfig {
  ipAddress: string;
  sshUser: string;
  sshPort: number;
  /** Absolute path of the user's private key; absent means ssh-agent. */
  sshKeyPath?: string;
  enginePort: number;
}

export function genericConfigFromFlags(flags: Record<string, unknown>): GenericConfig {
  const ipAddress = stringFlag(flags, 'generic-ip-address');
  if (!ipAddress) {
    throw new UsageError('the generic driver needs the address of an existing host: --generic-ip-address', [
      'machine create --driver generic --generic-ip-address 203.0.113.5 --generic-ssh-user admin NAME',
    ]);
  }
  const sshUser = stringFlag(flags, 'generic-ssh-user') ?? 'root';
  const sshPort = portFlag(flags, 'generic-ssh-port', 22);
  const enginePort = portFlag(flags, 'generic-engine-port', 2376);
  const sshKeyPath = stringFlag(flags, 'generic-ssh-key');
  return { ipAddress, sshUser, sshPort, enginePort, ...(sshKeyPath ? { sshKeyPath } : {}) };
}
