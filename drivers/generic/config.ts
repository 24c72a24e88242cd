import { UsageError } from '../../src/core/errors';
import { portFlag, stringFlag } from '../../src/util/flag-values';
import { isHostAddress } from '../../src/util/host-address';

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
  if (!isHostAddress(ipAddress)) {
    throw new UsageError(`--generic-ip-address ${JSON.stringify(ipAddress)} is neither an IP address nor a host name`, ['e.g. --generic-ip-address 203.0.113.5 or host.example.com']);
  }
  const sshUser = stringFlag(flags, 'generic-ssh-user') ?? 'root';
  // The user name reaches SSH, known_hosts comments and command output: a plain login name only.
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/.test(sshUser)) {
    throw new UsageError(`--generic-ssh-user ${JSON.stringify(sshUser)} is not a login name`, ['use the account name as on the host, e.g. --generic-ssh-user admin']);
  }
  const sshPort = portFlag(flags, 'generic-ssh-port', 22);
  const enginePort = portFlag(flags, 'generic-engine-port', 2376);
  const sshKeyPath = stringFlag(flags, 'generic-ssh-key');
  return { ipAddress, sshUser, sshPort, enginePort, ...(sshKeyPath ? { sshKeyPath } : {}) };
}
