import type { Ec2Config } from './config';
import type { ImageInfo, LaunchSpec } from './ec2-port';
import { LAUNCH_TAG, machineTags } from './tags';

export interface LaunchChoices {
  machineName: string;
  image: ImageInfo;
  subnetId: string;
  securityGroupIds: string[];
  keyName: string;
  clientToken: string;
  userData?: string;
}

/** The one RunInstances request for a machine, decided from its config and what create resolved. */
export function launchSpec(config: Ec2Config, choices: LaunchChoices): LaunchSpec {
  return {
    imageId: choices.image.imageId,
    instanceType: config.instanceType,
    keyName: choices.keyName,
    subnetId: choices.subnetId,
    securityGroupIds: choices.securityGroupIds,
    associatePublicIp: !config.privateAddressOnly,
    rootDevice: {
      // The AMI's own root device: any other name would attach a second, empty volume.
      name: choices.image.rootDeviceName,
      sizeGb: config.rootSizeGb,
      volumeType: config.volumeType,
      encrypted: config.encryptEbs,
      ...(config.kmsKey ? { kmsKeyId: config.kmsKey } : {}),
    },
    ...(config.iamInstanceProfile ? { iamInstanceProfile: instanceProfile(config.iamInstanceProfile) } : {}),
    tags: machineTags(choices.machineName, config, { [LAUNCH_TAG]: choices.clientToken }),
    metadata: { tokens: config.metadataTokens, hopLimit: config.metadataHopLimit },
    ...(config.spot ? { spot: config.spotPrice ? { maxPrice: config.spotPrice } : {} } : {}),
    ...(choices.userData !== undefined ? { userData: choices.userData } : {}),
    monitoring: config.monitoring,
    ebsOptimized: config.ebsOptimized,
    clientToken: choices.clientToken,
  };
}

function instanceProfile(value: string): { name: string } | { arn: string } {
  return value.startsWith('arn:') ? { arn: value } : { name: value };
}
