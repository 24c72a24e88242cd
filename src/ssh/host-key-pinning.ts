import type { ServerHostKeyAlgorithm } from 'ssh2';
import { HostKeyChangedError, HostKeyUnexpectedError, HostKeyUnknownError, type EndpointContext } from './errors';
import { normalizeFingerprint, sha256Fingerprint } from './fingerprint';
import { pinHostKey, readPinnedKeys } from './known-hosts';
import { errorMessage } from '../core/errors';
import { debug } from '../util/debug';

export { HostKeyChangedError, HostKeyUnexpectedError, HostKeyUnknownError } from './errors';

/**
 * - trust-on-first-use: pin the key at first contact, refuse a different one later (creating a machine).
 * - strict: refuse unless the key is already pinned (every later connection).
 * - accept-new: pin whatever the host presents now, replacing the old pin (`--accept-host-key`).
 */
export type PinMode = 'trust-on-first-use' | 'strict' | 'accept-new';

export interface HostKeyPinningOptions extends EndpointContext {
  knownHostsPath: string;
  pinMode: PinMode;
  /**
   * Fingerprints the host is known to have (a cloud driver reads them from the console). When given,
   * a key that is not among them is never pinned. They do not override a key that is already pinned.
   */
  expectedFingerprints?: string[];
}

/** ssh2's host key algorithm names, grouped by the key type a known_hosts line names. */
const ALGORITHMS_BY_KEY_TYPE: Record<string, ServerHostKeyAlgorithm[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
const DEFAULT_ORDER = Object.values(ALGORITHMS_BY_KEY_TYPE).flat();

export class HostKeyPinning {
  constructor(private readonly options: HostKeyPinningOptions) {}

  /**
   * Host key algorithms to offer, the pinned key's type first: a host has several keys and the one
   * it shows depends on what we ask for, so asking for the pinned type keeps an unchanged host from
   * looking changed.
   */
  async preferredAlgorithms(): Promise<ServerHostKeyAlgorithm[]> {
    const pinned = await readPinnedKeys(this.options.knownHostsPath, this.options.host, this.options.port);
    const first = pinned.flatMap((entry) => ALGORITHMS_BY_KEY_TYPE[entry.keyType] ?? []);
    return [...new Set([...first, ...DEFAULT_ORDER])];
  }

  /** Accepts `key` (pinning it when the mode says so) or throws the error that explains the refusal. */
  async check(key: Buffer): Promise<void> {
    const { machineName, host, port, pinMode } = this.options;
    const about = () => `${machineName}: host key ${sha256Fingerprint(key)} of ${host}:${port} (${pinMode})`;
    try {
      const decision = await this.decide(key);
      debug('ssh', () => `${about()} ${decision}`);
    } catch (err) {
      debug('ssh', () => `${about()} refused: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** What check() does, saying what it decided: accepted as pinned, or newly pinned. */
  private async decide(key: Buffer): Promise<string> {
    const { knownHostsPath, host, port, pinMode } = this.options;
    const presented = sha256Fingerprint(key);
    const pinned = await readPinnedKeys(knownHostsPath, host, port);
    if (pinned.some((entry) => entry.key.equals(key))) return 'matches the pinned key';

    if (pinMode === 'accept-new') {
      this.checkExpected(presented);
      await pinHostKey(knownHostsPath, host, port, key, { replace: true });
      return `pinned in ${knownHostsPath}, replacing ${pinned.length} earlier key(s)`;
    }
    if (pinned.length > 0) {
      throw new HostKeyChangedError(this.options, pinned.map((entry) => sha256Fingerprint(entry.key)), presented, knownHostsPath);
    }
    if (pinMode === 'strict') throw new HostKeyUnknownError(this.options, presented, knownHostsPath);
    this.checkExpected(presented);
    await pinHostKey(knownHostsPath, host, port, key, { replace: false });
    return `pinned in ${knownHostsPath} at first contact`;
  }

  private checkExpected(presented: string): void {
    const expected = (this.options.expectedFingerprints ?? []).map(normalizeFingerprint);
    if (expected.length > 0 && !expected.includes(presented)) {
      throw new HostKeyUnexpectedError(this.options, expected, presented);
    }
  }
}
