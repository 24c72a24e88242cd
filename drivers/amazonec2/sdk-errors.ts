import { MachineError, OperationError, errorMessage } from '../../src/core/errors';

/** The EC2 error code of an SDK exception (`InvalidKeyPair.Duplicate`...), or undefined for other failures. */
export function awsErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { name, Code } = err as { name?: unknown; Code?: unknown };
  if (typeof Code === 'string') return Code;
  return typeof name === 'string' && name !== 'Error' ? name : undefined;
}

const IAM_HINT = 'the IAM permissions the driver needs are listed in the README ("AWS permissions")';

/** Advice for the failures users meet most; the EC2 code is kept in the message for searching. */
function suggestionsFor(code: string | undefined): string[] {
  switch (code) {
    case 'CredentialsProviderError':
      return [
        'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys), or',
        'configure a profile (`aws configure` or `aws configure sso`) and pass --amazonec2-profile or AWS_PROFILE',
      ];
    case 'AuthFailure':
    case 'SignatureDoesNotMatch':
    case 'InvalidClientTokenId':
    case 'UnrecognizedClientException':
      return ['check the AWS credentials the SDK finds (environment, profile, SSO session): they were refused'];
    case 'ExpiredToken':
    case 'RequestExpired':
      return ['the AWS session has expired: renew it (e.g. `aws sso login`) and retry'];
    case 'UnauthorizedOperation':
      return [IAM_HINT];
    case 'InsufficientInstanceCapacity':
    case 'InstanceLimitExceeded':
    case 'VcpuLimitExceeded':
      return ['try another zone (--amazonec2-zone) or instance type (--amazonec2-instance-type), or ask AWS for a higher limit'];
    case 'RequestLimitExceeded':
      return ['EC2 is throttling this account; retry later or raise --amazonec2-retries'];
    default:
      return [];
  }
}

/** An SDK failure as the error the user sees: which EC2 call failed, EC2's code and message, and advice. */
export function ec2Failure(action: string, err: unknown): MachineError {
  if (err instanceof MachineError) return err;
  const code = awsErrorCode(err);
  const reason = code === 'CredentialsProviderError' ? 'no AWS credentials were found' : errorMessage(err);
  const detail = code && code !== 'CredentialsProviderError' && !reason.includes(code) ? `${code}: ${reason}` : reason;
  return new OperationError(`EC2_${(code ?? 'FAILED').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}`, `EC2 ${action} failed: ${detail}`, suggestionsFor(code), err);
}
