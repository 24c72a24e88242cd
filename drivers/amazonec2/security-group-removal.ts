import type { ResourceRecord } from '../../src/core/machine-record';
import { retry } from '../../src/util/retry';
import type { Ec2Port } from './ec2-port';

/** EC2 refused the deletion because something still uses the group: the one refusal worth waiting out. */
class GroupStillInUse extends Error {}

/**
 * Deletes a security group we created once nothing uses it, and says what happened. Right after a
 * termination EC2 can still count the instance's network interface as a user (DependencyViolation)
 * for a little while, so a refusal is retried after each delay before the group is left in place.
 */
export async function removeSecurityGroup(ec2: Ec2Port, group: ResourceRecord, delaysMs: number[]): Promise<string> {
  const users = await ec2.securityGroupUsers(group.id);
  if (users.length > 0) return `kept security group ${group.id}: still used by ${users.join(', ')}`;
  try {
    const outcome = await retry(
      async () => {
        const result = await ec2.deleteSecurityGroup(group.id);
        if (result === 'in-use') throw new GroupStillInUse(group.id);
        return result;
      },
      { delaysMs, shouldRetry: (error) => error instanceof GroupStillInUse },
    );
    return outcome === 'deleted' ? `deleted security group ${group.id}` : `security group ${group.id} was already gone`;
  } catch (err) {
    if (err instanceof GroupStillInUse) return `kept security group ${group.id}: EC2 still reports it in use; delete it later if nothing needs it`;
    throw err;
  }
}
