import type { NicInfo, VmSpec } from './azure-port';
import type { AzureConfig } from './config';
import type { Placement } from './pre-create';
import type { MachineResourceNames } from './names';
import { machineTags } from './tags';

export interface VmChoices {
  machineName: string;
  names: MachineResourceNames;
  placement: Placement;
  nic: NicInfo;
  sshPublicKey: string;
  availabilitySetId?: string;
}

/** The one VM PUT for a machine, decided from its config and what create resolved and made. */
export function vmSpec(config: AzureConfig, choices: VmChoices): VmSpec {
  const { placement, names } = choices;
  return {
    location: config.location,
    tags: machineTags(choices.machineName, config),
    size: placement.sku.name,
    image: placement.image.urn,
    ...(placement.plan ? { plan: placement.plan } : {}),
    osDisk: { name: names.osDisk, sizeGb: config.diskSizeGb, storageType: config.storageType },
    computerName: names.computerName,
    adminUsername: config.sshUser,
    sshPublicKey: choices.sshPublicKey.trim(),
    ...(placement.customData !== undefined ? { customData: placement.customData } : {}),
    nicId: choices.nic.id,
    ...(config.zone ? { zone: config.zone } : {}),
    ...(choices.availabilitySetId ? { availabilitySetId: choices.availabilitySetId } : {}),
  };
}
