import type { AzureConfig } from './config';
import type { ResourceTags } from './azure-port';

/** Tag keys we own. Azure allows `:` in tag names; ours all start with `machine:`. */
export const NAME_TAG = 'machine:name';
/**
 * On shared resources we created (resource group, virtual network, security group, availability
 * set): only those are ever deleted, and only once nothing uses them.
 */
export const MANAGED_TAG = 'machine:managed';

/** Tags for everything one machine owns: the user's, then ours (which the user cannot override). */
export function machineTags(machineName: string, config: Pick<AzureConfig, 'tags'>, extra: ResourceTags = {}): ResourceTags {
  return { ...config.tags, [NAME_TAG]: machineName, ...extra };
}

/** Tags for a shared resource we create: the creating machine's, marked as ours. */
export function managedTags(machineName: string, config: Pick<AzureConfig, 'tags'>): ResourceTags {
  return machineTags(machineName, config, { [MANAGED_TAG]: 'true' });
}
