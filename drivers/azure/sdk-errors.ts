import { MachineError, OperationError, errorMessage } from '../../src/core/errors';

/** Azure's error code and message out of an SDK failure, when it has them. */
export interface ArmError {
  code?: string;
  message: string;
  statusCode?: number;
}

/**
 * Reads an SDK failure: a RestError (Resource Manager's `{"error":{"code","message"}}` answer), a
 * long-running operation that ended Failed (the poller puts Azure's code and message in its text), or
 * a credential that could not get a token.
 */
export function armError(err: unknown): ArmError {
  const message = errorMessage(err);
  if (typeof err !== 'object' || err === null) return { message };
  const { name, code, statusCode } = err as { name?: unknown; code?: unknown; statusCode?: unknown };
  const status = typeof statusCode === 'number' ? statusCode : undefined;
  if (name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError') return { code: 'CredentialUnavailable', message };
  if (name === 'AuthenticationError') return { code: 'AuthenticationFailed', message };
  if (typeof code === 'string' && code !== '' && !/^[A-Z_]+$/.test(code)) return { code, message: armMessage(message), ...(status !== undefined ? { statusCode: status } : {}) };
  // "The long-running operation has failed. InternalServerError. The server encountered..."
  const failed = /^The long-running operation has failed\. ([\w.]+)\. ([\s\S]*)$/.exec(message);
  if (failed) return { code: failed[1], message: failed[2] ?? '' };
  if (name === 'AbortError') return { code: 'Aborted', message };
  return { ...(typeof code === 'string' && code !== '' ? { code } : {}), message, ...(status !== undefined ? { statusCode: status } : {}) };
}

/** A RestError's text may repeat the whole JSON body; keep only Azure's message. */
function armMessage(message: string): string {
  try {
    const body = JSON.parse(message) as { error?: { message?: string } };
    return body.error?.message ?? message;
  } catch {
    return message;
  }
}

export function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { statusCode?: unknown }).statusCode === 404;
}

const RBAC_HINT = 'the role the driver needs is in the README ("Azure credentials and permissions")';

/** Advice for the failures users meet most; Azure's code stays in the message for searching. */
function suggestionsFor(code: string | undefined): string[] {
  switch (code) {
    case 'CredentialUnavailable':
      return [
        'sign in with `az login`, or',
        'export AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal (or AZURE_FEDERATED_TOKEN_FILE for workload identity), or',
        'run where a managed identity is available',
      ];
    case 'AuthenticationFailed':
    case 'InvalidAuthenticationToken':
    case 'InvalidAuthenticationTokenTenant':
    case 'ExpiredAuthenticationToken':
      return ['the Azure credential was refused: check the tenant, client id and secret DefaultAzureCredential finds, or `az login` again'];
    case 'AuthorizationFailed':
    case 'LinkedAuthorizationFailed':
      return [RBAC_HINT];
    case 'SubscriptionNotFound':
    case 'InvalidSubscriptionId':
      return ['check --azure-subscription-id (`az account list -o table` lists the subscriptions you can use)'];
    case 'SkuNotAvailable':
    case 'ZonalAllocationFailed':
    case 'AllocationFailed':
    case 'OverconstrainedAllocationRequest':
      return ['try another size (--azure-size), zone (--azure-zone) or location (--azure-location)'];
    case 'QuotaExceeded':
    case 'OperationNotAllowed':
      return ['the subscription may be at a quota: `az vm list-usage --location LOCATION -o table`, then ask for more or pick another size'];
    case 'MarketplacePurchaseEligibilityFailed':
    case 'ResourcePurchaseValidationFailed':
      return ["accept the image's terms once: `az vm image terms accept --urn PUBLISHER:OFFER:SKU:VERSION`, and pass its plan with --azure-plan if Azure asks for one"];
    case 'TooManyRequests':
      return ['Resource Manager is throttling this subscription; retry in a minute'];
    default:
      return [];
  }
}

/** An SDK failure as the error the user sees: which step failed, Azure's code and message, and advice. */
export function azureFailure(step: string, err: unknown): MachineError {
  if (err instanceof MachineError) return err;
  const { code, message } = armError(err);
  const reason = code === 'CredentialUnavailable' ? 'no Azure credential was found' : message;
  const detail = code && code !== 'CredentialUnavailable' && !reason.startsWith(code) ? `${code}: ${reason}` : reason;
  return new OperationError(`AZURE_${(code ?? 'FAILED').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}`, `Azure ${step} failed: ${detail}`, suggestionsFor(code), err);
}
