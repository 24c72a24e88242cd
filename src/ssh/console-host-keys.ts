/**
 * cloud-init prints the host's SSH key fingerprints on the serial console between these markers,
 * one per line: `256 SHA256:base64 root@host (ED25519)`. EC2 returns that console to whoever may
 * call GetConsoleOutput, which makes it a channel the network between us and the host cannot touch.
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
