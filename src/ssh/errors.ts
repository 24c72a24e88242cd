import { MachineError, OperationError } from '../core/errors';

/**
 * The SSH failures callers tell apart. Every ssh2 error is turned into one of these exactly once,
 * in ./translate-error.ts, so commands and the create pipeline never look at ssh2's error shapes.
 */
export interface EndpointContext {
  machineName: string;
  host: string;
  port: number;
}

function address({ host, port }: EndpointContext): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function acceptCommand(machineName: string): string {
  return `machine ssh ${machineName} --accept-host-key -- true`;
}

/** The host presented a key other than the pinned one: a rebuilt host, or someone in the middle. */
export class HostKeyChangedError extends MachineError {
  constructor(
    readonly endpoint: EndpointContext,
    readonly pinnedFingerprints: string[],
    readonly presentedFingerprint: string,
    knownHostsPath: string,
  ) {
    super(
      `the SSH host key of machine "${endpoint.machineName}" (${address(endpoint)}) has changed: ` +
        `pinned ${pinnedFingerprints.join(', ')} (in ${knownHostsPath}), presented ${presentedFingerprint}. ` +
        `Someone may be intercepting the connection. If you expect this (the host was rebuilt), ` +
        `accept the new key deliberately with: ${acceptCommand(endpoint.machineName)}`,
      {
        code: 'HOST_KEY_CHANGED',
        suggestions: ['if you did not rebuild the host, do not accept the new key: find out why it changed first'],
      },
    );
  }
}

/** Strict checking found no pinned key at all (the known_hosts file is missing or has no entry). */
export class HostKeyUnknownError extends MachineError {
  constructor(
    readonly endpoint: EndpointContext,
    readonly presentedFingerprint: string,
    knownHostsPath: string,
  ) {
    super(
      `no SSH host key is pinned for machine "${endpoint.machineName}" (${address(endpoint)}) in ${knownHostsPath}; ` +
        `it presented ${presentedFingerprint}`,
      {
        code: 'HOST_KEY_UNKNOWN',
        suggestions: [`if that fingerprint is the host's, accept it deliberately with: ${acceptCommand(endpoint.machineName)}`],
      },
    );
  }
}

/** The driver knew the host's fingerprints (from its console) and the host presented another key. */
export class HostKeyUnexpectedError extends MachineError {
  constructor(
    readonly endpoint: EndpointContext,
    readonly expectedFingerprints: string[],
    readonly presentedFingerprint: string,
  ) {
    super(
      `machine "${endpoint.machineName}" (${address(endpoint)}) presented SSH host key ${presentedFingerprint}, ` +
        `but the host reported ${expectedFingerprints.join(', ')}; refusing to connect`,
      {
        code: 'HOST_KEY_UNEXPECTED',
        suggestions: ['check that the address belongs to this machine: someone may be intercepting the connection'],
      },
    );
  }
}

/** Nothing answered SSH at the address (refused, timed out, unroutable, or no SSH banner in time). */
export class SshUnreachableError extends OperationError {
  constructor(endpoint: EndpointContext, reason: string, cause?: unknown) {
    super(
      'SSH_UNREACHABLE',
      `cannot reach ${address(endpoint)} over SSH: ${reason}`,
      [
        `check that machine "${endpoint.machineName}" is running: \`machine status ${endpoint.machineName}\``,
        `check that port ${endpoint.port} is open to this computer (firewall, security group)`,
      ],
      cause,
    );
  }
}

/** The server answered but accepted none of our credentials. Retrying will not help. */
export class SshAuthFailedError extends OperationError {
  constructor(endpoint: EndpointContext, user: string, credentials: string, cause?: unknown) {
    super(
      'SSH_AUTH_FAILED',
      `SSH authentication to ${address(endpoint)} as "${user}" failed (tried ${credentials})`,
      [
        `check that user "${user}" exists on the host and that its ~/.ssh/authorized_keys holds the public key`,
        'for the generic driver, give the right user and key with --generic-ssh-user and --generic-ssh-key',
      ],
      cause,
    );
  }
}
