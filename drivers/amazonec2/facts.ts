import type { ResourceRecord } from '../../src/core/machine-record';
import type { Ec2Port } from './ec2-port';
import { LAUNCH_TAG } from './tags';

/** What create learns and later commands need (persisted through ctx.remember). */
export interface Ec2Facts {
  instanceId?: string;
  amiId?: string;
  subnetId?: string;
  vpcId?: string;
}

export function factsFrom(state: Record<string, unknown>): Ec2Facts {
  const text = (key: string): string | undefined => (typeof state[key] === 'string' ? (state[key] as string) : undefined);
  const facts: Ec2Facts = {};
  for (const key of ['instanceId', 'amiId', 'subnetId', 'vpcId'] as const) {
    const value = text(key);
    if (value) facts[key] = value;
  }
  return facts;
}

/**
 * The instances a machine owns: those journaled by id, and those launched with a journaled token.
 * The second kind covers a create that died between RunInstances and recording the id.
 */
export async function instanceIdsToRemove(ec2: Ec2Port, resources: readonly ResourceRecord[]): Promise<string[]> {
  const ids = new Set(resources.filter((r) => r.kind === 'ec2-instance').map((r) => r.id));
  for (const launch of resources.filter((r) => r.kind === 'ec2-launch')) {
    for (const instance of await ec2.findInstancesByTag(LAUNCH_TAG, launch.id)) ids.add(instance.instanceId);
  }
  return [...ids];
}
