import { appendFileSync } from 'node:fs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { awsErrorCode } from './sdk-errors';

/**
 * Counting EC2 calls and throttling retries, for the fleet bench and test: with MACHINE_EC2_CALL_LOG=FILE
 * every EC2 call this process makes (direct sends, paginator pages, waiter polls) appends one JSON line
 * `{"action","attempts","throttled","ok","pid"}`: how many attempts the SDK's retries made, how many of
 * them EC2 throttled, and whether the call succeeded in the end. Off unless the variable is set.
 */
export const EC2_CALL_LOG_ENV = 'MACHINE_EC2_CALL_LOG';

export interface Ec2CallLine {
  action: string;
  attempts: number;
  throttled: number;
  ok: boolean;
  pid: number;
}

/** EC2's throttling codes: the SDK retries these with backoff (and, in adaptive mode, slows its sending). */
const THROTTLING_CODES = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'RequestThrottled', 'RequestThrottledException', 'TooManyRequestsException', 'SlowDown']);

export function isThrottling(err: unknown): boolean {
  const code = awsErrorCode(err);
  return code !== undefined && THROTTLING_CODES.has(code);
}

export function logEc2CallsToFile(client: EC2Client, env: NodeJS.ProcessEnv = process.env): void {
  const file = env[EC2_CALL_LOG_ENV];
  if (!file) return;
  // Per call (one context object per send), filled by the per-attempt middleware below.
  const attemptsOf = new WeakMap<object, { attempts: number; throttled: number }>();
  const write = (line: Ec2CallLine) => {
    try {
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    } catch {
      // A measurement hook: never a reason for an EC2 call to fail.
    }
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const counts = { attempts: 0, throttled: 0 };
      attemptsOf.set(context, counts);
      const action = (context.commandName ?? 'call').replace(/Command$/, '');
      try {
        const result = await next(args);
        write({ action, attempts: counts.attempts, throttled: counts.throttled, ok: true, pid: process.pid });
        return result;
      } catch (err) {
        write({ action, attempts: counts.attempts, throttled: counts.throttled, ok: false, pid: process.pid });
        throw err;
      }
    },
    { step: 'initialize', priority: 'high', name: 'machineEc2CallLog' },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const counts = attemptsOf.get(context);
      if (counts) counts.attempts++;
      try {
        return await next(args);
      } catch (err) {
        if (counts && isThrottling(err)) counts.throttled++;
        throw err;
      }
    },
    // Below the retry middleware: once per attempt.
    { step: 'finalizeRequest', priority: 'low', name: 'machineEc2AttemptLog' },
  );
}
