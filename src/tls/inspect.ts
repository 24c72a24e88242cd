import { X509Certificate } from 'node:crypto';
import { MachineError } from '../core/errors';
import { parseIp } from './ip-address';
import type { SubjectAltNames } from './types';

/** The IP and DNS names a certificate holds, IPs in canonical form (IPv6 compressed, lower-case). */
export function certificateSans(certPem: string): SubjectAltNames {
  const result: SubjectAltNames = { ips: [], dns: [] };
  for (const { kind, value } of parseSubjectAltName(parseCertificate(certPem).subjectAltName ?? '')) {
    if (kind === 'DNS') result.dns.push(value);
    if (kind === 'IP Address') result.ips.push(parseIp(value)?.canonical ?? value);
  }
  return result;
}

/**
 * Whether a client connecting to `address` (an IP or a host name) would accept this certificate.
 * OpenSSL's own matching does the work, so wildcards and IPv6 spellings behave as in a real handshake;
 * only the SANs count, never the CN (Go ignores the CN too). A certificate that cannot be read covers
 * nothing, so a damaged server.pem leads the caller to issue a new one rather than to fail.
 */
export function certificateCovers(certPem: string, address: string): boolean {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return false;
  }
  const ip = parseIp(address);
  if (ip) return cert.checkIP(ip.canonical) !== undefined;
  return cert.checkHost(address.replace(/\.$/, ''), { subject: 'never' }) !== undefined;
}

/**
 * Splits node's rendering of the SAN extension: `DNS:a, IP Address:1.2.3.4`. Node writes a value that
 * contains a separator as a JSON string (`DNS:"a,b"`), so those are decoded rather than split.
 */
function parseSubjectAltName(text: string): { kind: string; value: string }[] {
  const entries: { kind: string; value: string }[] = [];
  const entry = /([^:,\s][^:,]*):("(?:[^"\\]|\\.)*"|[^,]*)(?:,\s*|$)/gy;
  for (let match = entry.exec(text); match && match[0] !== ''; match = entry.exec(text)) {
    const raw = match[2];
    entries.push({ kind: match[1], value: raw.startsWith('"') ? (JSON.parse(raw) as string) : raw });
  }
  return entries;
}

function parseCertificate(certPem: string): X509Certificate {
  try {
    return new X509Certificate(certPem);
  } catch (err) {
    throw new MachineError('cannot read the certificate: it is not PEM X.509', {
      code: 'TLS_CERT_INVALID',
      cause: err,
      suggestions: ['issue a new server certificate with `machine regenerate-certs --force NAME`'],
    });
  }
}
