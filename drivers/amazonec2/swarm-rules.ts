import type { Ec2Port, GroupIngressRule } from './ec2-port';
import { MANAGED_TAG } from './tags';

/**
 * Swarm mode's ports, opened only between machines of the machine's own security group (the group
 * itself as source, EC2's UserIdGroupPairs): raft and the control plane (2377/tcp), gossip
 * (7946/tcp+udp) and the overlay's VXLAN (4789/udp). Nothing outside the group gets in.
 */
export const SWARM_PORTS: ReadonlyArray<{ protocol: 'tcp' | 'udp'; port: number; what: string }> = [
  { protocol: 'tcp', port: 2377, what: 'swarm control plane' },
  { protocol: 'tcp', port: 7946, what: 'swarm gossip' },
  { protocol: 'udp', port: 7946, what: 'swarm gossip' },
  { protocol: 'udp', port: 4789, what: 'swarm overlay (VXLAN)' },
];

export function swarmRules(groupId: string): GroupIngressRule[] {
  return SWARM_PORTS.map(({ protocol, port, what }) => ({ protocol, port, sourceGroupId: groupId, description: `${what}, between swarm members (machine)` }));
}

/** The `proto:port:source` keys SecurityGroupInfo.ingress lists for these rules. */
export function swarmRuleKeys(groupId: string): string[] {
  return swarmRules(groupId).map((r) => `${r.protocol}:${r.port}:${r.sourceGroupId}`);
}

/**
 * Opens the swarm ports in the group named `groupName` in `vpcId`; answers notes. A group the user made
 * is never changed (it may be shared with things we know nothing of): the user is told what to open.
 */
export async function openSwarmRules(ec2: Ec2Port, groupName: string, vpcId: string): Promise<string[]> {
  const group = await ec2.findSecurityGroup(groupName, vpcId);
  if (!group) return [`security group ${groupName} not found in ${vpcId}: swarm ports not opened`];
  const present = new Set(group.ingress);
  const missing = swarmRules(group.groupId).filter((r) => !present.has(`${r.protocol}:${r.port}:${r.sourceGroupId}`));
  if (missing.length === 0) return [];
  if (group.tags[MANAGED_TAG] !== 'true') {
    return [`security group ${groupName} (${group.groupId}) is not machine's: open ${missing.map((r) => `${r.port}/${r.protocol}`).join(', ')} from the group itself for swarm mode`];
  }
  await ec2.authorizeGroupIngress(group.groupId, missing);
  return [`opened swarm ports ${missing.map((r) => `${r.port}/${r.protocol}`).join(', ')} within security group ${group.groupId}`];
}

/** Removes the swarm rules from a group of ours (the last member left); a group the user made is left alone. */
export async function closeSwarmRules(ec2: Ec2Port, groupName: string, vpcId: string): Promise<string[]> {
  const group = await ec2.findSecurityGroup(groupName, vpcId);
  if (!group || group.tags[MANAGED_TAG] !== 'true') return [];
  const present = new Set(group.ingress);
  const there = swarmRules(group.groupId).filter((r) => present.has(`${r.protocol}:${r.port}:${r.sourceGroupId}`));
  if (there.length === 0) return [];
  await ec2.revokeGroupIngress(group.groupId, there);
  return [`closed the swarm ports within security group ${group.groupId}`];
}
