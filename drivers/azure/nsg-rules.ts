import { AZURE_SSH_PORT, type AzureConfig } from './config';
import type { SecurityRule } from './azure-port';

/** Where our rules start; Azure orders rules by priority, 100 to 4096, lowest first. */
const FIRST_PRIORITY = 1000;

/**
 * What a security group we create opens: SSH, the engine's TLS port and each --azure-open-port, from
 * the allowed CIDRs (`*`: any source, for the default 0.0.0.0/0). One rule per port and protocol.
 */
export function wantedRules(config: Pick<AzureConfig, 'allowedCidrs' | 'openPorts' | 'enginePort'>, exposeEnginePort = true): SecurityRule[] {
  const sources = config.allowedCidrs.includes('0.0.0.0/0') ? ['*'] : [...config.allowedCidrs];
  const ports: Array<{ port: number; protocol: 'tcp' | 'udp'; name: string; description: string }> = [
    { port: AZURE_SSH_PORT, protocol: 'tcp', name: 'machine-ssh', description: 'SSH (machine)' },
    // Not opened when clients reach the engine through SSH only (--engine-transport ssh).
    ...(exposeEnginePort ? [{ port: config.enginePort, protocol: 'tcp' as const, name: 'machine-engine', description: 'docker engine, mutual TLS (machine)' }] : []),
    ...config.openPorts.map((p) => ({ ...p, name: `machine-open-${p.port}-${p.protocol}`, description: 'opened by --azure-open-port (machine)' })),
  ];
  const seen = new Set<string>();
  const rules: SecurityRule[] = [];
  for (const { port, protocol, name, description } of ports) {
    const key = `${protocol}:${port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rules.push({ name, protocol: protocol === 'tcp' ? 'Tcp' : 'Udp', port, sources, priority: FIRST_PRIORITY + rules.length * 10, description });
  }
  return rules;
}

/** Wanted rules the group lacks: no rule of it allows that port and protocol from each wanted source. */
export function missingRules(present: SecurityRule[], wanted: SecurityRule[]): SecurityRule[] {
  return wanted.filter((rule) => {
    const covering = present.filter((p) => p.protocol === rule.protocol && p.port === rule.port);
    const sources = new Set(covering.flatMap((p) => p.sources));
    return !(sources.has('*') || rule.sources.every((s) => sources.has(s)));
  });
}

/** The group's rules with the missing ones added at free priorities after the highest one in use. */
export function mergedRules(present: SecurityRule[], missing: SecurityRule[]): SecurityRule[] {
  const names = new Set(present.map((r) => r.name));
  let next = Math.max(FIRST_PRIORITY - 10, ...present.map((r) => r.priority)) + 10;
  const added = missing.map((rule) => {
    const name = names.has(rule.name) ? `${rule.name}-${next}` : rule.name;
    const placed = { ...rule, name, priority: next };
    next += 10;
    return placed;
  });
  return [...present, ...added];
}
