import { createHmac } from 'node:crypto';
import { writeFileAtomic } from '../core/fs-atomic';
import { readIfExists } from '../util/read-if-exists';
import { keyTypeOf } from './fingerprint';

/**
 * The machine's `known_hosts` file, in OpenSSH's format so `ssh -o UserKnownHostsFile=...` can share
 * it: `host keytype base64` for port 22, `[host]:port keytype base64` otherwise. We write plain host
 * names; hashed entries (`|1|salt|hash`) written by OpenSSH are understood when reading. Wildcard
 * patterns, `@cert-authority` and `@revoked` lines are left alone and never match.
 */
export interface PinnedHostKey {
  keyType: string;
  key: Buffer;
}

/** The host field OpenSSH uses for this endpoint. */
export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

interface KnownHostsLine {
  hosts: string[];
  keyType: string;
  key: Buffer;
}

function parseLine(line: string): KnownHostsLine | undefined {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('@')) return undefined;
  const [hosts, keyType, base64] = trimmed.split(/\s+/);
  if (!hosts || !keyType || !base64) return undefined;
  const key = Buffer.from(base64, 'base64');
  // A line whose blob does not name its own type is corrupt; matching it would be a guess.
  if (keyTypeOf(key) !== keyType) return undefined;
  return { hosts: hosts.split(','), keyType, key };
}

/** Does one comma-separated entry of a host field stand for `pattern`? Handles OpenSSH hashed names. */
function entryMatches(entry: string, pattern: string): boolean {
  if (entry.startsWith('|1|')) {
    const [, , salt, hash] = entry.split('|');
    if (!salt || !hash) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(pattern).digest('base64');
    return digest === hash;
  }
  return entry === pattern;
}

async function readLines(file: string): Promise<string[]> {
  return (await readIfExists(file))?.split('\n') ?? [];
}

/** Keys pinned for host:port; empty when the host was never seen or the file does not exist. */
export async function readPinnedKeys(file: string, host: string, port: number): Promise<PinnedHostKey[]> {
  const pattern = hostPattern(host, port);
  const pinned: PinnedHostKey[] = [];
  for (const line of await readLines(file)) {
    const parsed = parseLine(line);
    if (parsed && parsed.hosts.some((entry) => entryMatches(entry, pattern))) {
      pinned.push({ keyType: parsed.keyType, key: parsed.key });
    }
  }
  return pinned;
}

/**
 * Pins `key` for host:port. With `replace`, every earlier key for that endpoint is dropped first
 * (other hosts' lines are kept as they were); without it the key is added beside them.
 */
export async function pinHostKey(file: string, host: string, port: number, key: Buffer, options: { replace: boolean }): Promise<void> {
  const pattern = hostPattern(host, port);
  const kept: string[] = [];
  for (const line of await readLines(file)) {
    if (line.trim() === '') continue;
    const parsed = options.replace ? parseLine(line) : undefined;
    if (parsed && parsed.hosts.some((entry) => entryMatches(entry, pattern))) {
      const others = parsed.hosts.filter((entry) => !entryMatches(entry, pattern));
      if (others.length > 0) kept.push(line.replace(/^\S+/, others.join(',')));
      continue;
    }
    kept.push(line);
  }
  kept.push(`${pattern} ${keyTypeOf(key)} ${key.toString('base64')}`);
  await writeFileAtomic(file, `${kept.join('\n')}\n`, 0o600);
}

/**
 * The same host at a new address (a cloud instance that got a new public IP after stop/start): its
 * pinned keys now stand for the new endpoint too. Nothing new is trusted; the host must still
 * present one of these keys there.
 */
export async function carryPins(file: string, from: { host: string; port: number }, to: { host: string; port: number }): Promise<number> {
  const pinned = await readPinnedKeys(file, from.host, from.port);
  for (const [index, entry] of pinned.entries()) await pinHostKey(file, to.host, to.port, entry.key, { replace: index === 0 });
  return pinned.length;
}
