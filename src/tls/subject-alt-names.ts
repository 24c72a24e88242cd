import { ExitCode, MachineError } from '../core/errors';
import { parseIp } from './ip-address';
import type { SubjectAltNames } from './types';

/** Names every server certificate carries, so `docker` works through an SSH tunnel or on the host itself. */
const ALWAYS_PRESENT = ['localhost', '127.0.0.1'];

/** A DNS name as a TLS client can match it: labels of letters, digits, '-' and '_', an optional leading "*.". */
const DNS_NAME = /^(\*\.)?[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * The SANs of a machine's server certificate: every requested name (IP or DNS), plus localhost,
 * 127.0.0.1 and the machine name. Each name appears once, in the order first seen.
 */
export function serverSubjectAltNames(machineName: string, sans: readonly string[]): SubjectAltNames {
  const result: SubjectAltNames = { ips: [], dns: [] };
  for (const entry of [...sans, ...ALWAYS_PRESENT, machineName]) {
    const trimmed = entry.trim();
    if (trimmed === '') continue;
    const { kind, value } = classifySubjectAltName(trimmed);
    const list = kind === 'ip' ? result.ips : result.dns;
    if (!list.includes(value)) list.push(value);
  }
  return result;
}

/** Says whether a name goes in the certificate as an IP address or a DNS name, in its canonical spelling. */
export function classifySubjectAltName(name: string): { kind: 'ip' | 'dns'; value: string } {
  const ip = parseIp(name);
  if (ip) return { kind: 'ip', value: ip.canonical };
  // DNS names compare case-insensitively and a trailing dot only marks them fully qualified.
  const dns = name.toLowerCase().replace(/\.$/, '');
  if (dns.length <= 253 && DNS_NAME.test(dns)) return { kind: 'dns', value: dns };
  throw new MachineError(`"${name}" is neither an IP address nor a DNS name, so it cannot go in a TLS certificate`, {
    code: 'TLS_INVALID_SAN',
    exit: ExitCode.usage,
    suggestions: ['give --tls-san an IPv4 or IPv6 address (e.g. 203.0.113.7, 2001:db8::7) or a host name (e.g. docker.example.com)'],
  });
}
