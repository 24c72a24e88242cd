import type { AzureConfig } from './config';

/** The names of what one machine owns in its resource group, all derived from the machine's name. */
export interface MachineResourceNames {
  vm: string;
  computerName: string;
  nic: string;
  publicIp: string;
  nsg: string;
  osDisk: string;
}

export function resourceNames(machineName: string, config: Pick<AzureConfig, 'nsg'>): MachineResourceNames {
  return {
    vm: machineName,
    // A Linux computer name takes no periods; the host name is the VM name with dashes for them.
    computerName: machineName.replace(/\./g, '-'),
    nic: `${machineName}-nic`,
    publicIp: `${machineName}-ip`,
    nsg: config.nsg ?? `${machineName}-nsg`,
    osDisk: `${machineName}-osdisk`,
  };
}

/**
 * Why a machine name cannot name Azure resources, or undefined when it can. A Linux VM name is 1 to
 * 64 characters and may not end in a period or hyphen; `NAME-osdisk` and the rest must stay within 80.
 */
export function azureNameProblem(machineName: string): string | undefined {
  if (machineName.length > 64) return `"${machineName}" is longer than the 64 characters of an Azure VM name`;
  if (/[.-]$/.test(machineName)) return `"${machineName}" ends in "${machineName.slice(-1)}", which Azure refuses at the end of a VM name`;
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(machineName)) return `"${machineName}" has characters an Azure VM name cannot have`;
  if (/^\d+$/.test(machineName)) return `"${machineName}" is all digits, which Azure refuses as a Linux host name`;
  return undefined;
}
