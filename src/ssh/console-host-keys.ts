import { pollUntil } from '../util/wait';

/**
 * cloud-init prints the host's SSH key fingerprints on the serial console between these markers,
 * one per line: `256 SHA256:base64 root@host (ED25519)`. A cloud hands that console to whoever may
 * read it through its own API (EC2's GetConsoleOutput, Azure's boot diagnostics), which makes it a
 * channel the network between us and the host cannot touch.
 */
const BEGIN = '-----BEGIN SSH HOST KEY FINGERPRINTS-----';
const END = '-----END SSH HOST KEY FINGERPRINTS-----';

export interface ConsoleHostKeys {
  /** `SHA256:...` fingerprints; empty when the console has no block yet. */
  fingerprints: string[];
  /** cloud-init reported it finished: no block will come any more. */
  finished: boolean;
}

export function hostKeysFromConsole(console: string): ConsoleHostKeys {
  const finished = /Cloud-init v\. \S+ finished at/.test(console);
  // The last complete block: a rebooted host prints it again, and the latest one is what sshd serves.
  const start = console.lastIndexOf(BEGIN);
  const end = start === -1 ? -1 : console.indexOf(END, start);
  if (start === -1 || end === -1) return { fingerprints: [], finished };
  const block = console.slice(start + BEGIN.length, end);
  const fingerprints = [...block.matchAll(/\b(SHA256:[A-Za-z0-9+/]{43})=?(?=\s)/g)].map((m) => m[1] as string);
  return { fingerprints: [...new Set(fingerprints)], finished };
}

/**
 * Reads the console until cloud-init printed the fingerprints, or finished without them, or time ran
 * out; answers the fingerprints, or none (then the core trusts on first use and says so). An
 * interrupted create does not need the keys: it ends the wait with none, as a timeout does.
 */
export async function waitForConsoleHostKeys(
  readConsole: () => Promise<string | undefined>,
  options: { timeoutMs: number; intervalMs: number; signal: AbortSignal },
): Promise<string[]> {
  const interrupted = new Error('interrupted');
  const found = await pollUntil(
    async () => {
      const keys = hostKeysFromConsole((await readConsole()) ?? '');
      return keys.fingerprints.length > 0 || keys.finished ? keys.fingerprints : undefined;
    },
    { ...options, abortError: () => interrupted },
  ).catch((err: unknown) => {
    if (err === interrupted) return [];
    throw err;
  });
  return found ?? [];
}
