/**
 * The Azure clouds `--azure-environment` names: where Resource Manager answers and where Microsoft
 * Entra ID issues its tokens. `--azure-endpoint` replaces the Resource Manager endpoint; the authority
 * then comes from AZURE_AUTHORITY_HOST when set (an Azure Stack or private cloud has its own).
 */
export const AZURE_ENVIRONMENTS = {
  AzurePublicCloud: { resourceManager: 'https://management.azure.com', authorityHost: 'https://login.microsoftonline.com' },
  AzureChinaCloud: { resourceManager: 'https://management.chinacloudapi.cn', authorityHost: 'https://login.chinacloudapi.cn' },
  AzureUSGovernment: { resourceManager: 'https://management.usgovcloudapi.net', authorityHost: 'https://login.microsoftonline.us' },
} as const;

export type AzureEnvironmentName = keyof typeof AZURE_ENVIRONMENTS;

export interface CloudEndpoints {
  resourceManager: string;
  authorityHost: string;
  /** The token scope for Resource Manager. */
  scope: string;
  /**
   * Whether the authority is one Microsoft's library knows. For any other one (AZURE_AUTHORITY_HOST
   * naming Azure Stack's or a private cloud's), instance discovery would ask the public cloud about a
   * host it has never heard of; such an authority is trusted as configured instead.
   */
  knownAuthority: boolean;
}

export function cloudEndpoints(environment: AzureEnvironmentName, endpoint: string | undefined, env: NodeJS.ProcessEnv = process.env): CloudEndpoints {
  const cloud = AZURE_ENVIRONMENTS[environment];
  const resourceManager = endpoint ?? cloud.resourceManager;
  const authorityHost = (env.AZURE_AUTHORITY_HOST?.trim() || cloud.authorityHost).replace(/\/+$/, '');
  const known = Object.values(AZURE_ENVIRONMENTS).some((c) => c.authorityHost === authorityHost);
  return { resourceManager, authorityHost, scope: `${resourceManager}/.default`, knownAuthority: known };
}
