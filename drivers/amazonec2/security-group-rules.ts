import { EC2_SSH_PORT, type Ec2Config } from './config';
import type { IngressRule, SecurityGroupInfo } from './ec2-port';

/**
 * What a group we create opens: SSH, the engine's TLS port (unless the engine is reached through SSH
 * only) and any --amazonec2-open-port, to each allowed CIDR.
 */
export function wantedIngress(config: Pick<Ec2Config, 'allowedCidrs' | 'openPorts' | 'enginePort'>, exposeEnginePort = true): IngressRule[] {
  const ports: Array<{ port: number; protocol: 'tcp' | 'udp'; description: string }> = [
    { port: EC2_SSH_PORT, protocol: 'tcp', description: 'SSH (machine)' },
    ...(exposeEnginePort ? [{ port: config.enginePort, protocol: 'tcp' as const, description: 'docker engine, mutual TLS (machine)' }] : []),
    ...config.openPorts.map((p) => ({ ...p, description: 'opened by --amazonec2-open-port (machine)' })),
  ];
  const rules: IngressRule[] = [];
  const seen = new Set<string>();
  for (const cidr of config.allowedCidrs) {
    for (const { port, protocol, description } of ports) {
      const key = ruleKey({ protocol, port, cidr });
      if (seen.has(key)) continue;
      seen.add(key);
      rules.push({ protocol, port, cidr, description });
    }
  }
  return rules;
}

/** The `proto:port:cidr` form SecurityGroupInfo.ingress uses. */
export function ruleKey(rule: Pick<IngressRule, 'protocol' | 'port' | 'cidr'>): string {
  return `${rule.protocol}:${rule.port}:${rule.cidr}`;
}

export function missingIngress(group: SecurityGroupInfo, wanted: IngressRule[]): IngressRule[] {
  const present = new Set(group.ingress);
  return wanted.filter((rule) => !present.has(ruleKey(rule)));
}
