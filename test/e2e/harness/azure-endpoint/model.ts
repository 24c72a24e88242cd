/** The control plane's resources, as Resource Manager holds them, and what tests can see of them. */

export interface ResourceGroup {
  id: string;
  name: string;
  location: string;
  tags: Record<string, string>;
}

/** Any resource in a group, in ARM's JSON shape (what GET answers, less read-time fields). */
export interface ArmResource {
  id: string;
  name: string;
  /** `Microsoft.Network/virtualNetworks`, `Microsoft.Network/virtualNetworks/subnets`... */
  type: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
  properties: Record<string, unknown>;
  sku?: Record<string, unknown>;
  zones?: string[];
  plan?: Record<string, unknown>;
}

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

/** A long-running operation, polled through its Azure-AsyncOperation or Location URL. */
export interface AsyncOperation {
  id: string;
  status: OperationStatus;
  error?: { code: string; message: string };
  startTime: string;
  endTime?: string;
  /** Settles when the operation does (never rejects). */
  done: Promise<void>;
}

export interface RequestRecord {
  method: string;
  path: string;
  /** What the call does, for counting and fault injection: `PUT virtualMachines`, `GET operations`, `POST deallocate`... */
  operation: string;
  status: number;
  /** The ARM error code answered, when it failed. */
  error?: string;
  /** The client id of the bearer token, when it was valid. */
  clientId?: string;
}

/** What a test sees: every resource, with the group it is in. */
export interface AzureSnapshot {
  resourceGroups: ResourceGroup[];
  resources: ArmResource[];
}
