import * as net from 'node:net';

export interface ParsedIp {
  version: 4 | 6;
  /** The one spelling we store and compare: dotted quad, or RFC 5952 compressed lower-case IPv6. */
  canonical: string;
  /** All eight IPv6 groups spelled out; the certificate library needs this form (it cannot read "::ffff:1.2.3.4"). */
  expanded: string;
}

/**
 * Reads an IP address as a user or a driver may write it: "[::1]" (URL brackets) and "fe80::1%eth0"
 * (a zone, which only means something on the host that printed it) are accepted. Anything else is not an IP.
 */
export function parseIp(text: string): ParsedIp | undefined {
  const unbracketed = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const withoutZone = unbracketed.includes(':') ? unbracketed.replace(/%.*$/, '') : unbracketed;
  const version = net.isIP(withoutZone);
  if (version === 4) return { version, canonical: withoutZone, expanded: withoutZone };
  if (version !== 6) return undefined;
  const groups = ipv6Groups(withoutZone);
  return { version, canonical: compressIpv6(groups), expanded: groups.map((g) => g.toString(16)).join(':') };
}

/** The eight 16-bit groups of a valid IPv6 address, with an embedded IPv4 tail turned into two groups. */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail) {
    const [a, b, c, d] = v4Tail[1].split('.').map(Number);
    text = `${text.slice(0, v4Tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16));
}

/**
 * RFC 5952: the longest run of two or more zero groups (the first on a tie) becomes "::", and an
 * IPv4-mapped address keeps its dotted tail (::ffff:192.0.2.1), which is how people recognise it.
 */
function compressIpv6(groups: number[]): string {
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${[groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.')}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < groups.length; ) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < groups.length && groups[end] === 0) end++;
    if (end - start > bestLength) [bestStart, bestLength] = [start, end - start];
    start = end;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
