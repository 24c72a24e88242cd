import { MachineError, OperationError, errorMessage } from '../core/errors';
import { SshAuthFailedError, SshUnreachableError, type EndpointContext } from './errors';

export interface ConnectionContext extends EndpointContext {
  user: string;
  /** What we offered, for the authentication message: "key /path", "ssh-agent"... */
  credentials: string;
  readyTimeoutMs: number;
}

/** ssh2 adds these to its errors; they are not in its type declarations. */
interface Ssh2ErrorFields {
  level?: string;
  code?: string;
}

const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the host',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host is down',
  EPIPE: 'connection closed by the host',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
};

/**
 * The one place ssh2's errors become MachineErrors. Errors that already are MachineErrors (a refused
 * host key, decided by our verifier) pass through unchanged.
 */
export function translateSshError(err: unknown, context: ConnectionContext): MachineError {
  if (err instanceof MachineError) return err;
  const fields = (typeof err === 'object' && err !== null ? err : {}) as Ssh2ErrorFields;
  const message = errorMessage(err);

  if (fields.level === 'client-authentication') {
    return new SshAuthFailedError(context, context.user, context.credentials, err);
  }
  if (fields.code && SOCKET_REASONS[fields.code]) {
    return new SshUnreachableError(context, SOCKET_REASONS[fields.code] ?? message, err);
  }
  if (fields.level === 'client-timeout') {
    return new SshUnreachableError(context, `no SSH handshake within ${Math.round(context.readyTimeoutMs / 1000)}s`, err);
  }
  if (fields.level === 'client-dns' || fields.level === 'client-socket') {
    return new SshUnreachableError(context, message, err);
  }
  // sshd accepted the TCP connection but closed it before talking: typical while the host boots.
  if (/before handshake/i.test(message)) {
    return new SshUnreachableError(context, 'the connection closed before the SSH handshake', err);
  }
  return new OperationError('SSH_FAILED', `SSH to ${context.host}:${context.port} failed: ${message}`, [], err);
}
