/**
 * cloud-init prints the host's SSH key fingerprints on the serial console between these markers, one
 * per line: `256 SHA256:base64 root@host (ED25519)`. Boot diagnostics hand that console log to whoever
 * may call retrieveBootDiagnosticsData on the VM, over Azure's own TLS: a channel the network between
 * us and the VM cannot touch.
 */
const BEGIN = '-----BEGIN SSH HOST KEY FINGERPRINTS-----';
const END = '-----END SSH HOST KEY FINGERPRINTS-----';

export interface SerialHostKeys {
  /** `SHA256:...` fingerprints; empty when the log has no block yet. */
  fingerprints: string[];
  /** cloud-init reported it finished: no block will come any more. */
  finished: boolean;
}

export function hostKeysFromSerialLog(log: string): SerialHostKeys {
  const finished = /Cloud-init v\. \S+ finished at/.test(log);
  // The latest complete block: a restarted VM prints it again, and that is what sshd serves now.
  const start = log.lastIndexOf(BEGIN);
  const end = start === -1 ? -1 : log.indexOf(END, start);
  if (start === -1 || end === -1) return { fingerprints: [], finished };
  const fingerprints = [...log.slice(start + BEGIN.length, end).matchAll(/\b(SHA256:[A-Za-z0-9+/]{43})=?(?=\s)/g)].map((m) => m[1] as string);
  return { fingerprints: [...new Set(fingerprints)], finished };
}
