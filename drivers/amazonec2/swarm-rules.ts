import { SWARM_PORTS } from '../../src/core/driver';
import type { Ec2Port, GroupIngressRule } from './ec2-port';
import { MANAGED_TAG } from './tags';

/**
 * Swarm mode's ports, opened only between machines of the machine's own security group (the group
 * itself as source, EC2's UserIdGroupPairs). Nothing outside the group gets in.
 */
export function swarmRules(groupId: string): GroupIngressRule[] {
  return SWARM_PORTS.map(({ protocol, port, what }) => ({ protocol, port, sourceGroupId: groupId, description: `${what}, between swarm members (machine)` }));
}

/** The `proto:port:source` key SecurityGroupInfo.ingress lists for a rule with a group as source. */
function groupRuleKey(rule: GroupIngressRule): string {
  return `${rule.protocol}:${rule.port}:${rule.sourceGroupId}`;
}

/** The keys SecurityGroupInfo.ingress lists for these rules. */
export function swarmRuleKeys(groupId: string): string[] {
  return swarmRules(groupId).map(groupRuleKey);
}

/**
 * Opens the swarm ports in the group named `groupName` in `vpcId`; answers notes. A group the user made
 * is never changed (it may be shared with things we know nothing of): the user is told what to open.
 */
export async function openSwarmRules(ec2: Ec2Port, groupName: string, vpcId: string): Promise<string[]> {
  const group = await ec2.findSecurityGroup(groupName, vpcId);
  if (!group) return [`security group ${groupName} not found in ${vpcId}: swarm ports not opened`];
  const present = new Set(group.ingress);
  const missing = swarmRules(group.groupId).filter((r) => !present.has(groupRuleKey(r)));
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
  const there = swarmRules(group.groupId).filter((r) => present.has(groupRuleKey(r)));
  if (there.length === 0) return [];
  await ec2.revokeGroupIngress(group.groupId, there);
  return [`closed the swarm ports within security group ${group.groupId}`];
}
