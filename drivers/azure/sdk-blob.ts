import { type TlsSettings, createDefaultHttpClient, createPipelineFromOptions, createPipelineRequest } from '@azure/core-rest-pipeline';
import { debugPolicies } from './sdk-debug';

/**
 * Reads a blob through its SAS URI (boot diagnostics' serial log). A pipeline of its own, without
 * the Resource Manager clients' bearer token policy: the SAS in the URI is the whole authorization,
 * and an ARM token has no business going to a storage host. Retries and proxies as the SDK does them.
 * Answers undefined when the blob does not exist yet, 'refused' when the SAS no longer works.
 */
export async function fetchBlobText(uri: string, tlsOptions?: TlsSettings): Promise<string | undefined | 'refused'> {
  const pipeline = createPipelineFromOptions({ retryOptions: { maxRetries: 3 }, ...(tlsOptions ? { tlsOptions } : {}) });
  for (const { policy, position } of debugPolicies('Blob')) pipeline.addPolicy(policy, { phase: position === 'perRetry' ? 'Retry' : undefined });
  const response = await pipeline.sendRequest(createDefaultHttpClient(), createPipelineRequest({ url: uri, method: 'GET' }));
  if (response.status === 404) return undefined;
  if (response.status === 403) return 'refused';
  if (response.status >= 300) throw Object.assign(new Error(`the blob store answered ${response.status}`), { statusCode: response.status });
  return response.bodyAsText ?? '';
}
