export { type LocalAzure, type LocalAzureOptions, startLocalAzure } from './server';
export { inertVmBackend } from './backend';
export type { ServicePrincipal } from './identity';
