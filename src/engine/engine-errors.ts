import { OperationError, errorMessage } from '../core/errors';

/** How the engine failed to answer; each code names a different fix. */
export type EngineErrorCode = 'ENGINE_UNREACHABLE' | 'ENGINE_TLS_FAILED' | 'ENGINE_TIMEOUT' | 'ENGINE_BAD_RESPONSE' | 'ENGINE_ABORTED';

export function engineError(code: EngineErrorCode, message: string, suggestions: string[] = [], cause?: unknown): OperationError {
  return new OperationError(code, message, suggestions, cause);
}

/** Node's codes for "the server's certificate is not the one we expect" (chain, names, dates). */
const CERTIFICATE_CODES = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'EADDRNOTAVAIL']);

/**
 * Turns a socket or TLS error from a request to `address` into a MachineError that says what
 * went wrong and what to do. `machineName` makes the suggested commands exact.
 */
export function translateEngineError(err: unknown, address: string, machineName = 'NAME', context: { afterHandshake?: boolean } = {}): OperationError {
  const code = (err as { code?: unknown } | undefined)?.code;
  const text = typeof code === 'string' ? code : '';
  const reason = errorMessage(err);
  // With TLS 1.3 the client's handshake ends before the server has judged the client certificate; a
  // server that refuses it just closes the connection, which reaches us as a reset.
  if (context.afterHandshake && (text === 'ECONNRESET' || text === 'EPIPE')) {
    return engineError('ENGINE_TLS_FAILED', `the engine at ${address} closed the connection after the TLS handshake: it did not accept our client certificate`, [
      `the machine's CA may have changed; re-issue its certificates: machine regenerate-certs ${machineName}`,
    ], err);
  }
  if (text === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return engineError('ENGINE_TLS_FAILED', `the engine's certificate is not valid for ${address}: ${reason}`, [
      `issue a server certificate for the machine's current address: machine regenerate-certs ${machineName}`,
    ], err);
  }
  if (CERTIFICATE_CODES.has(text)) {
    return engineError('ENGINE_TLS_FAILED', `the engine at ${address} presented a certificate our CA did not sign or that is out of date (${text}): ${reason}`, [
      `re-issue the machine's certificates: machine regenerate-certs ${machineName}`,
    ], err);
  }
  if (text.startsWith('ERR_SSL_') || text === 'EPROTO' || /alert|handshake|ssl|tls/i.test(reason)) {
    return engineError('ENGINE_TLS_FAILED', `TLS with the engine at ${address} failed: ${reason}`, tlsSuggestions(text, machineName), err);
  }
  if (text === 'ETIMEDOUT') {
    return engineError('ENGINE_TIMEOUT', `connecting to the engine at ${address} timed out`, [`check that the machine is running: machine status ${machineName}`], err);
  }
  if (UNREACHABLE_CODES.has(text)) {
    return engineError('ENGINE_UNREACHABLE', `cannot reach the engine at ${address}: ${reason}`, [
      `check that the machine is running: machine status ${machineName}`,
      'check that a firewall or security group lets the client reach the engine port',
    ], err);
  }
  return engineError('ENGINE_UNREACHABLE', `request to the engine at ${address} failed: ${reason}`, [], err);
}

function tlsSuggestions(code: string, machineName: string): string[] {
  // dockerd speaking plain HTTP answers a TLS hello with text, which OpenSSL reports as a bad version.
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') return [`the engine is not serving TLS on this port; re-provision it: machine provision ${machineName}`];
  return [`the engine refused our client certificate or we refused its; re-issue them: machine regenerate-certs ${machineName}`];
}
