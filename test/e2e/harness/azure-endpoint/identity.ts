import { randomBytes } from 'node:crypto';
import { ArmError } from './arm';

export interface ServicePrincipal {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

interface IssuedToken {
  clientId: string;
  scope: string;
  expiresAt: number;
}

export interface TokenRequestRecord {
  path: string;
  grantType?: string;
  clientId?: string;
  scope?: string;
  /** Whether a token was issued. */
  issued: boolean;
}

/**
 * A Microsoft Entra ID token endpoint for one tenant and one service principal, as MSAL talks to it:
 * the OpenID configuration of `/{tenant}/v2.0`, and `/{tenant}/oauth2/v2.0/token` for the client
 * credentials grant. Tokens are opaque random strings the control plane looks up on every call.
 */
export class LocalIdentity {
  readonly requests: TokenRequestRecord[] = [];
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(
    private readonly principal: ServicePrincipal,
    private readonly tokenLifetimeSeconds = 3600,
  ) {}

  /** Answers a request to the authority host; `base` is its https origin. */
  handle(method: string, url: URL, body: string, base: string): { status: number; json: unknown } {
    const { tenantId } = this.principal;
    const record: TokenRequestRecord = { path: url.pathname, issued: false };
    this.requests.push(record);
    if (method === 'GET' && url.pathname === `/${tenantId}/v2.0/.well-known/openid-configuration`) {
      const authority = `${base}/${tenantId}`;
      return {
        status: 200,
        json: {
          issuer: `${authority}/v2.0`,
          authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
          token_endpoint: `${authority}/oauth2/v2.0/token`,
          jwks_uri: `${base}/${tenantId}/discovery/v2.0/keys`,
          end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
          response_types_supported: ['code', 'id_token', 'token'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          tenant_region_scope: 'NA',
        },
      };
    }
    if (method === 'POST' && url.pathname === `/${tenantId}/oauth2/v2.0/token`) {
      const form = new URLSearchParams(body);
      record.grantType = form.get('grant_type') ?? undefined;
      record.clientId = form.get('client_id') ?? undefined;
      record.scope = form.get('scope') ?? undefined;
      if (record.grantType !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', `AADSTS70003: grant type ${record.grantType} is not supported here.`);
      if (record.clientId !== this.principal.clientId) return oauthError(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${record.clientId}' was not found in the directory.`);
      if (form.get('client_secret') !== this.principal.clientSecret) return oauthError(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
      // MSAL adds openid/profile/offline_access for user flows; a client credentials scope is the resource's /.default.
      const scope = (record.scope ?? '').split(' ').find((s) => s.endsWith('/.default'));
      if (!scope) return oauthError(400, 'invalid_scope', 'AADSTS1002012: The provided value for scope is not valid: client credentials need RESOURCE/.default.');
      const token = randomBytes(32).toString('base64url');
      this.tokens.set(token, { clientId: record.clientId, scope, expiresAt: Date.now() + this.tokenLifetimeSeconds * 1000 });
      record.issued = true;
      return { status: 200, json: { token_type: 'Bearer', expires_in: this.tokenLifetimeSeconds, ext_expires_in: this.tokenLifetimeSeconds, access_token: token } };
    }
    return oauthError(404, 'invalid_request', `AADSTS90002: no such endpoint ${url.pathname} for tenant ${tenantId}.`);
  }

  /** Checks an Authorization header for Resource Manager at `audience`; the token's client id when valid. */
  authenticate(authorization: string | undefined, audience: string): string {
    const match = /^Bearer (\S+)$/.exec(authorization ?? '');
    if (!match) throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
    const token = this.tokens.get(match[1] as string);
    if (!token) throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    if (token.expiresAt < Date.now()) throw new ArmError(401, 'ExpiredAuthenticationToken', 'The access token expiry UTC time is earlier than current UTC time.');
    if (token.scope.replace(/\/?\.default$/, '').replace(/\/+$/, '') !== audience.replace(/\/+$/, '')) {
      throw new ArmError(401, 'InvalidAuthenticationTokenAudience', `The access token has been obtained for wrong audience or resource '${token.scope}'.`);
    }
    return token.clientId;
  }

  /** Every token handed out, for tests that search the store for them. */
  issuedTokens(): string[] {
    return [...this.tokens.keys()];
  }
}

function oauthError(status: number, error: string, description: string): { status: number; json: unknown } {
  return { status, json: { error, error_description: description, error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)], timestamp: new Date().toISOString(), trace_id: randomBytes(8).toString('hex'), correlation_id: randomBytes(8).toString('hex') } };
}
