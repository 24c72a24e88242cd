import type { ResourceRecord } from '../../src/core/machine-record';
import type { Ec2Port } from './ec2-port';

/**
 * Deletes a security group we created once nothing uses it, and says what happened. Right after a
 * termination EC2 can still count the instance's network interface as a user (DependencyViolation)
 * for a little while, so a refusal is retried after each delay before the group is left in place.
 */
export async function removeSecurityGroup(ec2: Ec2Port, group: ResourceRecord, delaysMs: number[]): Promise<string> {
  const users = await ec2.securityGroupUsers(group.id);
  if (users.length > 0) return `kept security group ${group.id}: still used by ${users.join(', ')}`;
  for (let attempt = 0; ; attempt++) {
    const outcome = await ec2.deleteSecurityGroup(group.id);
    if (outcome === 'deleted') return `deleted security group ${group.id}`;
    if (outcome === 'gone') return `security group ${group.id} was already gone`;
    const delay = delaysMs[attempt];
    if (delay === undefined) return `kept security group ${group.id}: EC2 still reports it in use; delete it later if nothing needs it`;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
