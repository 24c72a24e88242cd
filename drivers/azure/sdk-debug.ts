import type { PipelinePolicy, PipelineRequest } from '@azure/core-rest-pipeline';
import { debug, isDebugEnabled, msSince } from '../../src/util/debug';

/**
 * Debug lines for every Resource Manager call the clients make (direct calls, pagers and the pollers
 * of long-running operations alike): method, the resource it names, the answer's status, duration and
 * attempts, and each failed attempt as a `retry` line while the SDK's policies wait (429 Retry-After,
 * 5xx, resets). Only the method and the path are logged, never the query (a boot diagnostics URI
 * carries a SAS signature), a header or a body (the VM's custom data, a token).
 */
export function debugPolicies(service: string): Array<{ policy: PipelinePolicy; position: 'perCall' | 'perRetry' }> {
  if (!isDebugEnabled('api') && !isDebugEnabled('retry')) return [];
  const attempts = new WeakMap<PipelineRequest, number>();
  const perCall: PipelinePolicy = {
    name: 'machineDebugCall',
    async sendRequest(request, next) {
      const started = performance.now();
      const call = `${service} ${request.method} ${resourceOf(request.url)}`;
      const tries = () => {
        const n = attempts.get(request) ?? 1;
        return `${n} attempt${n === 1 ? '' : 's'}`;
      };
      try {
        const response = await next(request);
        const requestId = response.headers.get('x-ms-request-id');
        debug('api', () => `${call} ${response.status} in ${msSince(started)} ms (${tries()}${requestId ? `, request ${requestId}` : ''})`);
        return response;
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode;
        debug('api', () => `${call} failed in ${msSince(started)} ms: ${status ?? ''} ${(err as { code?: string }).code ?? String(err)} (${tries()})`);
        throw err;
      }
    },
  };
  const perRetry: PipelinePolicy = {
    name: 'machineDebugAttempt',
    async sendRequest(request, next) {
      const attempt = (attempts.get(request) ?? 0) + 1;
      attempts.set(request, attempt);
      const response = await next(request).catch((err: unknown) => {
        debug('retry', () => `${service} ${request.method} ${resourceOf(request.url)} attempt ${attempt} failed: ${(err as { code?: string }).code ?? String(err)}`);
        throw err;
      });
      if (response.status === 429 || response.status >= 500) {
        const after = response.headers.get('retry-after');
        debug('retry', () => `${service} ${request.method} ${resourceOf(request.url)} attempt ${attempt} answered ${response.status}${after ? ` (Retry-After ${after})` : ''}`);
      }
      return response;
    },
  };
  return [
    { policy: perCall, position: 'perCall' },
    { policy: perRetry, position: 'perRetry' },
  ];
}

/** `/subscriptions/S/resourceGroups/G/providers/Microsoft.Network/networkInterfaces/dev1-nic` -> `networkInterfaces/dev1-nic`. */
export function resourceOf(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return 'request';
  }
  const parts = path.split('/').filter((p) => p !== '');
  const providers = parts.lastIndexOf('providers');
  if (providers >= 0) return parts.slice(providers + 2).join('/') || `providers/${parts[providers + 1] ?? ''}`;
  // A resource group (`subscriptions/S/resourcegroups/G`), or a blob: its name.
  return parts[0]?.toLowerCase() === 'subscriptions' ? parts.slice(2).join('/') || path : (parts.pop() ?? path);
}
