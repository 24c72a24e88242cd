/** What create learns and later commands need (persisted through ctx.remember). */
export interface AzureFacts {
  vmName?: string;
  nicName?: string;
  publicIpName?: string;
  nsgName?: string;
  osDiskName?: string;
  /** The image as a concrete version: `latest` resolved at create. */
  image?: string;
}

const KEYS = ['vmName', 'nicName', 'publicIpName', 'nsgName', 'osDiskName', 'image'] as const;

export function factsFrom(state: Record<string, unknown>): AzureFacts {
  const facts: AzureFacts = {};
  for (const key of KEYS) {
    const value = state[key];
    if (typeof value === 'string' && value !== '') facts[key] = value;
  }
  return facts;
}
