import { isIP } from 'node:net';

/**
 * What may stand for a host: an IP address or a DNS name. Addresses reach certificates, shell output
 * and command lines, so anything else (spaces, quotes, `$`, `%`, line breaks) is refused wherever one
 * comes in: from a flag, from a cloud API, or from a record on disk.
 */

/** One label of a DNS name as TLS clients match it: letters, digits, '-' inside, '_' as some services use. */
const DNS_LABEL = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
/** One label of a host name (RFC 1123): letters and digits, '-' only inside. */
const HOST_NAME_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** An IPv4 or IPv6 address; IPv6 may come in URL brackets. No zone: it means nothing off the host that printed it. */
export function isIpAddress(text: string): boolean {
  const unbracketed = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return isIP(unbracketed) !== 0;
}

/** A DNS name of at most 253 characters, optionally fully qualified (one trailing dot). */
export function isDnsName(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  return name.length > 0 && name.length <= 253 && name.split('.').every((label) => DNS_LABEL.test(label));
}

export function isHostAddress(text: string): boolean {
  return isIpAddress(text) || isDnsName(text);
}

/**
 * Why `name` cannot be a host name (and so the DNS name in a server certificate and the host's own
 * name), or undefined when it can: every dot-separated part starts and ends with a letter or a digit.
 */
export function hostNameProblem(name: string): string | undefined {
  const labels = name.split('.');
  if (labels.some((label) => label === '')) return 'it has an empty part (two dots in a row, or a dot at an end)';
  const bad = labels.find((label) => !HOST_NAME_LABEL.test(label));
  return bad === undefined ? undefined : `its part "${bad}" does not start and end with a letter or a digit`;
}

/** Control characters (C0, DEL): never meant in a value that becomes a flag, a file line or a shell word. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
