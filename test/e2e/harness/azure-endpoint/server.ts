import { randomUUID } from 'node:crypto';
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ImageVariant } from '../vm';
import { computeRoutes, serveBlob, teardownVm } from './actions-compute';
import { networkRoutes } from './actions-network';
import { resourceRoutes } from './actions-resources';
import { ArmError, ArmPath } from './arm';
import type { VmBackend } from './backend';
import { API_VERSIONS } from './catalog';
import { type ArmResponse, AzureContext, type Route } from './context';
import { LocalIdentity, type ServicePrincipal, type TokenRequestRecord } from './identity';
import { Operations } from './lro';
import type { AzureSnapshot, RequestRecord } from './model';
import { qemuVmBackend } from './qemu-backend';
import { render } from './render';
import { makeTestTls } from './tls';

export interface LocalAzureOptions {
  subscriptionId: string;
  principal: ServicePrincipal;
  /** Default: real VMs from the harness image (`engine`: Debian with docker.io). */
  backend?: VmBackend;
  vmVariant?: ImageVariant;
  /** Retry-After of polling answers, in seconds. Default 1. */
  pollSeconds?: number;
  /** How long a network resource's operation runs. Default 300 ms. */
  provisionMs?: number;
}

export interface InjectedFault {
  status: number;
  code: string;
  message: string;
  times: number;
  retryAfterSeconds?: number;
}

export interface LocalAzure {
  /** The Resource Manager endpoint (https, the test CA's certificate). */
  armEndpoint: string;
  /** The token authority, for AZURE_AUTHORITY_HOST. */
  authorityHost: string;
  caPem: string;
  caFile: string;
  /** Every Resource Manager call, in order, including the rejected ones. */
  readonly requests: RequestRecord[];
  readonly tokenRequests: TokenRequestRecord[];
  /**
   * What a child process needs to reach this control plane as a user would reach Azure: the service
   * principal for DefaultAzureCredential (environment), the authority, the CA, the subscription.
   */
  environment(): NodeJS.ProcessEnv;
  snapshot(): AzureSnapshot;
  /** Ids of every resource group and resource that exists: what a test looks at for leftovers. */
  leftovers(): string[];
  /** The next `times` calls of `operation` (`PUT virtualMachines`, `POST deallocate`...) fail with this ARM error. */
  failNext(operation: string, fault: Partial<InjectedFault> & { code: string }): void;
  /** The next long-running operation of `operation` is accepted, then ends Failed with this error. */
  failAsync(operation: string, fault: { code: string; message?: string }): void;
  /** The next `times` calls of `operation` answer 429 TooManyRequests with Retry-After. */
  throttle(operation: string, times: number, retryAfterSeconds?: number): void;
  /** Tokens handed out so far (tests search the store for them). */
  issuedTokens(): string[];
  /** Whether the VM's guest process runs; undefined when there is no such VM. */
  guestRunning(resourceGroup: string, vmName: string): boolean | undefined;
  /** Deletes a resource (a VM with its guest) or a whole group as someone else would, behind the driver's back. */
  deleteBehindBack(id: string): Promise<void>;
  /** Waits for the long-running work started so far. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const ROUTES: Route[] = [...resourceRoutes, ...networkRoutes, ...computeRoutes];

/** The api-version family a path belongs to, for checking the version a client sent. */
function apiFamily(path: ArmPath): string {
  const s = path.segments.map((x) => x.toLowerCase());
  const providers = s.indexOf('providers');
  if (providers === -1 || providers === s.length - 2) return 'microsoft.resources';
  const namespace = s[providers + 1] as string;
  // An operation's polling URL carries the api-version of the call that started it.
  if (s.includes('operations') || s.includes('operationresults')) return `${namespace}/operations`;
  if (namespace === 'microsoft.compute' && s.includes('disks')) return 'microsoft.compute/disks';
  if (namespace === 'microsoft.compute' && s[providers + 2] === 'skus') return 'microsoft.compute/skus';
  return namespace;
}

/**
 * A local Azure control plane: Resource Manager's JSON on resource ids with `api-version`, bearer
 * tokens from a local Entra ID token endpoint checked on every call, long-running operations behind
 * Azure-AsyncOperation and Location headers, ARM error answers, injectable faults and throttling, all
 * over HTTPS with a test CA. Its VMs are real QEMU guests by default, reachable on a loopback address
 * per public and private IP.
 */
export async function startLocalAzure(options: LocalAzureOptions): Promise<LocalAzure> {
  const tls = await makeTestTls();
  const identity = new LocalIdentity(options.principal);
  const backend = options.backend ?? qemuVmBackend(options.vmVariant ?? 'engine');
  let armBase = '';
  const operations = new Operations(() => armBase, options.subscriptionId, () => options.pollSeconds ?? 1);
  const ctx = new AzureContext(options.subscriptionId, backend, operations, () => armBase);
  ctx.provisionMs = options.provisionMs ?? 300;
  const requests: RequestRecord[] = [];
  const faults = new Map<string, InjectedFault[]>();
  const addFault = (operation: string, fault: InjectedFault) => faults.set(operation, [...(faults.get(operation) ?? []), fault]);

  const handleArm = async (req: IncomingMessage, body: string): Promise<{ response: ArmResponse; text?: string }> => {
    const url = new URL(req.url ?? '/', armBase);
    const method = req.method ?? 'GET';
    const path = new ArmPath(url.pathname);
    const route = ROUTES.find((r) => r.method === method && path.match(r.pattern) !== undefined);
    const record: RequestRecord = { method, path: url.pathname, operation: url.pathname.startsWith('/bootdiagnostics-') ? 'GET blob' : (route?.operation ?? `${method} unknown`), status: 0 };
    requests.push(record);
    try {
      if (record.operation === 'GET blob') {
        // A SAS URI carries its own authorization; a bearer token is not asked for.
        const blob = await serveBlob(ctx, url);
        record.status = blob.status;
        return { response: { status: blob.status, headers: { 'Content-Type': blob.status === 200 ? 'text/plain' : 'application/xml' } }, text: blob.text };
      }
      record.clientId = identity.authenticate(req.headers.authorization, armBase);
      const apiVersion = url.searchParams.get('api-version');
      if (!apiVersion) throw new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
      const family = apiFamily(path);
      const supported = API_VERSIONS[family];
      if (supported && !supported.includes(apiVersion)) {
        throw new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${apiVersion}' is invalid. The supported versions are '${supported.join(',')}'.`);
      }
      if (!route) throw new ArmError(404, 'InvalidResourceType', `The resource type could not be found for ${method} ${url.pathname}.`);
      const params = path.match(route.pattern) ?? {};
      if (params.sub !== undefined && params.sub.toLowerCase() !== options.subscriptionId.toLowerCase()) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${params.sub}' could not be found.`);
      const fault = faults.get(route.operation)?.[0];
      if (fault) {
        if (--fault.times <= 0) faults.get(route.operation)?.shift();
        throw new ArmError(fault.status, fault.code, fault.message, fault.retryAfterSeconds);
      }
      let parsed: unknown;
      try {
        parsed = body === '' ? undefined : JSON.parse(body);
      } catch {
        throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
      }
      const response = await route.handle({ method, url, params, body: parsed, apiVersion }, ctx);
      record.status = response.status;
      return { response };
    } catch (err) {
      const failure = err instanceof ArmError ? err : new ArmError(500, 'InternalServerError', err instanceof Error ? err.message : String(err));
      record.status = failure.status;
      record.error = failure.code;
      const headers: Record<string, string> = {};
      if (failure.retryAfterSeconds !== undefined) headers['Retry-After'] = String(failure.retryAfterSeconds);
      if (failure.status === 401) headers['WWW-Authenticate'] = `Bearer authorization_uri="${identity ? `${authorityBase}/${options.principal.tenantId}` : ''}", error="invalid_token", error_description="${failure.code}"`;
      return { response: { status: failure.status, body: failure.body(), headers } };
    }
  };

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => resolve(body));
    });
  const send = (res: ServerResponse, status: number, headers: Record<string, string>, payload: string | undefined) => {
    res.writeHead(status, { 'x-ms-request-id': randomUUID(), 'x-ms-correlation-request-id': randomUUID(), ...headers });
    res.end(payload);
  };

  const arm = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    void readBody(req).then(async (body) => {
      const { response, text } = await handleArm(req, body);
      const json = response.body === undefined ? undefined : JSON.stringify(response.body);
      send(res, response.status, { ...(json !== undefined ? { 'Content-Type': 'application/json; charset=utf-8' } : {}), ...response.headers }, text ?? json);
    });
  });
  let authorityBase = '';
  const login = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    void readBody(req).then((body) => {
      const { status, json } = identity.handle(req.method ?? 'GET', new URL(req.url ?? '/', authorityBase), body, authorityBase);
      send(res, status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }, JSON.stringify(json));
    });
  });
  const listen = async (server: https.Server): Promise<string> => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  armBase = await listen(arm);
  authorityBase = await listen(login);

  const snapshot = (): AzureSnapshot =>
    structuredClone({
      resourceGroups: [...ctx.groups.values()],
      resources: [...ctx.resources.values()].map((r) => ({ ...r, properties: render(ctx, r).properties as Record<string, unknown> })),
    });

  return {
    armEndpoint: armBase,
    authorityHost: authorityBase,
    caPem: tls.caPem,
    caFile: tls.caFile,
    requests,
    tokenRequests: identity.requests,
    environment: () => ({
      AZURE_TENANT_ID: options.principal.tenantId,
      AZURE_CLIENT_ID: options.principal.clientId,
      AZURE_CLIENT_SECRET: options.principal.clientSecret,
      AZURE_AUTHORITY_HOST: authorityBase,
      AZURE_SUBSCRIPTION_ID: options.subscriptionId,
      NODE_EXTRA_CA_CERTS: tls.caFile,
    }),
    snapshot,
    leftovers: () => [...ctx.groups.values()].map((g) => g.id).concat([...ctx.resources.values()].map((r) => r.id)),
    failNext: (operation, fault) => addFault(operation, { status: 400, message: `injected ${fault.code}`, times: 1, ...fault }),
    failAsync: (operation, fault) => ctx.asyncFailures.set(operation, [...(ctx.asyncFailures.get(operation) ?? []), new ArmError(500, fault.code, fault.message ?? `injected ${fault.code}`)]),
    throttle: (operation, times, retryAfterSeconds = 1) => addFault(operation, { status: 429, code: 'TooManyRequests', message: 'The request is being throttled.', times, retryAfterSeconds }),
    issuedTokens: () => identity.issuedTokens(),
    guestRunning: (resourceGroup, vmName) => {
      const vm = ctx.ofType('Microsoft.Compute/virtualMachines').find((v) => v.resourceGroup.toLowerCase() === resourceGroup.toLowerCase() && v.name === vmName);
      const runtime = vm ? ctx.vms.get(vm.id.toLowerCase()) : undefined;
      return runtime ? runtime.guest?.isRunning() === true : undefined;
    },
    async deleteBehindBack(id) {
      const group = [...ctx.groups.values()].find((g) => g.id.toLowerCase() === id.toLowerCase());
      const inside = group ? ctx.inGroup(group.name) : [ctx.get(id)].filter((r) => r !== undefined);
      for (const resource of inside) {
        if (resource.type === 'Microsoft.Compute/virtualMachines') await teardownVm(ctx, resource);
        ctx.remove(resource.id);
        if (resource.type === 'Microsoft.Network/virtualNetworks') for (const subnet of ctx.ofType('Microsoft.Network/virtualNetworks/subnets').filter((s) => s.id.toLowerCase().startsWith(`${resource.id.toLowerCase()}/`))) ctx.remove(subnet.id);
      }
      if (group) ctx.groups.delete(group.name.toLowerCase());
    },
    settled: () => ctx.settled(),
    async close() {
      for (const server of [arm, login]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await ctx.settled().catch(() => undefined);
      await Promise.all([...ctx.vms.values()].map((v) => v.guest?.kill()));
      await backend.close();
      await tls.dispose();
    },
  };
}
