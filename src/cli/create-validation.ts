import { UsageError } from '../core/errors';
import type { EngineOptions } from '../core/machine-record';
import { validateName } from '../core/store/machine-store';
import { validateEngineOptions } from '../provision/dockerd-config';
import { classifySubjectAltName } from '../tls/subject-alt-names';
import { hostNameProblem } from '../util/host-address';

export interface CreateInput {
  name: string;
  engine: EngineOptions;
  /** --tls-san, as typed. */
  sans: readonly string[];
}

/**
 * Everything about a create that can be judged without the host, judged before anything is made: no
 * record reserved, no CA written, no instance launched and rolled back for a value that could never
 * have worked. Each refusal is a UsageError (exit 2) naming the flag.
 */
export function validateCreateInput(input: CreateInput): void {
  validateName(input.name);
  // The name becomes the host's name and a DNS name in its server certificate.
  const problem = hostNameProblem(input.name);
  if (problem !== undefined) {
    throw new UsageError(`invalid machine name "${input.name}": it must be a valid host name, and ${problem}`, [
      'use letters and digits, with "-" or "." only between them, e.g. web-1 or web1.staging',
    ]);
  }
  validateEngineOptions(input.engine);
  for (const san of input.sans) {
    // An empty --tls-san adds nothing (the certificate code skips it too).
    if (san.trim() !== '') classifySubjectAltName(san.trim());
  }
}
