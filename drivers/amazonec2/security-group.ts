import { MachineError } from '../../src/core/errors';
import type { Ec2Config } from './config';
import type { Ec2Port } from './ec2-port';
import { missingIngress, wantedIngress } from './security-group-rules';
import { MANAGED_TAG } from './tags';

/** The error code ec2Failure gives EC2's InvalidGroup.Duplicate. */
const DUPLICATE_GROUP = 'EC2_INVALIDGROUP_DUPLICATE';

export interface GroupChoice {
  groupId: string;
  /** Made by machine (tagged): we keep its rules right and may delete it once nothing uses it. */
  managed: boolean;
  /** Made by this call (and so already handed to `onCreated`). */
  created: boolean;
}

/**
 * The machine's security group by name in its VPC: created when missing, opening SSH and the engine
 * port to the allowed CIDRs. A group of ours that lacks a rule gets it; a group the user made is never
 * changed, only warned about, since it may be shared with things we know nothing of.
 */
export async function ensureSecurityGroup(
  ec2: Ec2Port,
  config: Ec2Config,
  vpcId: string,
  machineName: string,
  progress: (message: string) => void,
  journal: { beforeCreate: () => Promise<void>; created: (groupId: string) => Promise<void> },
  exposeEnginePort = true,
): Promise<GroupChoice> {
  const wanted = wantedIngress(config, exposeEnginePort);
  let existing = await ec2.findSecurityGroup(config.securityGroup, vpcId);
  if (!existing) {
    progress(`creating security group ${config.securityGroup} in ${vpcId}`);
    let groupId: string | undefined;
    // The request is journaled before it is sent: a create killed before the answer arrives leaves
    // a group whose id nobody wrote down, and remove must still be able to find it, by name.
    await journal.beforeCreate();
    try {
      groupId = await ec2.createSecurityGroup(config.securityGroup, `machine hosts: SSH and the docker engine (mutual TLS); created for ${machineName}`, vpcId, { [MANAGED_TAG]: 'true' });
    } catch (err) {
      // Another create (a fleet started at once) made it between our look and our request: use theirs.
      if (!(err instanceof MachineError && err.code === DUPLICATE_GROUP)) throw err;
      existing = await ec2.findSecurityGroup(config.securityGroup, vpcId);
      if (!existing) throw err;
    }
    if (groupId !== undefined) {
      // Journaled before its rules: if adding them fails (a policy without that permission), the group must still be removed.
      await journal.created(groupId);
      await ec2.authorizeIngress(groupId, wanted);
      return { groupId, managed: true, created: true };
    }
  }
  if (!existing) throw new Error('unreachable: a security group was neither found nor created');
  const managed = existing.tags[MANAGED_TAG] === 'true';
  const missing = missingIngress(existing, wanted);
  if (missing.length > 0 && managed) {
    progress(`adding ${missing.length} missing rule(s) to security group ${existing.groupId}`);
    await ec2.authorizeIngress(existing.groupId, missing);
  } else if (missing.length > 0) {
    const ports = [...new Set(missing.map((r) => `${r.port}/${r.protocol}`))].join(', ');
    progress(`warning: security group ${config.securityGroup} (${existing.groupId}) is not ours and does not open ${ports} to ${config.allowedCidrs.join(', ')}; SSH or the engine may be unreachable`);
  } else {
    progress(`using security group ${config.securityGroup} (${existing.groupId})`);
  }
  return { groupId: existing.groupId, managed, created: false };
}
