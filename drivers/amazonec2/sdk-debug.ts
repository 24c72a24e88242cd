import type { EC2Client } from '@aws-sdk/client-ec2';
import { debug, isDebugEnabled, msSince } from '../../src/util/debug';
import { awsErrorCode } from './sdk-errors';

interface CallMetadata {
  httpStatusCode?: number;
  requestId?: string;
  attempts?: number;
  totalRetryDelay?: number;
}

/**
 * Debug lines for every EC2 call the client makes (direct sends, paginators and waiters alike): the
 * operation, its duration, the attempts and retry delay the SDK spent, and EC2's request id. Each
 * failed attempt gets a `retry` line too, so a call that throttles is visible while it waits. Only
 * names, codes and numbers are logged, never a request or response body: RunInstances carries the
 * user data, which no pattern can redact.
 */
export function logEc2CallsForDebug(client: EC2Client): void {
  if (!isDebugEnabled('api') && !isDebugEnabled('retry')) return;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const started = performance.now();
      const operation = `EC2 ${operationOf(context)}`;
      try {
        const result = await next(args);
        debug('api', () => `${operation} ok in ${msSince(started)} ms${describe(result.output.$metadata)}`);
        return result;
      } catch (err) {
        debug('api', () => `${operation} failed in ${msSince(started)} ms: ${awsErrorCode(err) ?? String(err)}${describe(metadataOf(err))}`);
        throw err;
      }
    },
    // First in the first step: the time includes resolving credentials and every retry.
    { step: 'initialize', priority: 'high', name: 'machineDebugCall' },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        // The retry middleware numbers each attempt in this header ("attempt=2; max=5").
        const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
        const attempt = /attempt=(\d+); max=(\d+)/.exec(headers['amz-sdk-request'] ?? '');
        const status = metadataOf(err).httpStatusCode;
        debug('retry', () => `EC2 ${operationOf(context)} attempt ${attempt ? `${attempt[1]}/${attempt[2]}` : '?'} failed: ${awsErrorCode(err) ?? String(err)}${status ? ` (HTTP ${status})` : ''}`);
        throw err;
      }
    },
    // Below the retry middleware (finalizeRequest, high priority): runs once per attempt.
    { step: 'finalizeRequest', priority: 'low', name: 'machineDebugAttempt' },
  );
}

/** EC2's name for the call (`DescribeInstances`), from the SDK's command class name. */
function operationOf(context: { commandName?: string }): string {
  return (context.commandName ?? 'call').replace(/Command$/, '');
}

function metadataOf(err: unknown): CallMetadata {
  return (typeof err === 'object' && err !== null ? (err as { $metadata?: CallMetadata }).$metadata : undefined) ?? {};
}

function describe(meta: CallMetadata): string {
  const parts = [`${meta.attempts ?? 1} attempt${meta.attempts === undefined || meta.attempts === 1 ? '' : 's'}`];
  if (meta.totalRetryDelay) parts.push(`${meta.totalRetryDelay} ms retry delay`);
  if (meta.requestId) parts.push(`request ${meta.requestId}`);
  return ` (${parts.join(', ')})`;
}
