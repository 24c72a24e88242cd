import type { Ec2Config } from './config';
import type { ResourceTags } from './ec2-port';

/** Tag keys we own. `rm` finds an instance by LAUNCH_TAG even if create died before recording its id. */
export const NAME_TAG = 'machine:name';
export const LAUNCH_TAG = 'machine:launch';
/** On security groups we created: only those are ever deleted, and only when nothing uses them. */
export const MANAGED_TAG = 'machine:managed';

/** Tags for everything one machine owns: the user's, then ours (which the user cannot override). */
export function machineTags(machineName: string, config: Pick<Ec2Config, 'tags'>, extra: ResourceTags = {}): ResourceTags {
  return { Name: machineName, ...config.tags, [NAME_TAG]: machineName, ...extra };
}
