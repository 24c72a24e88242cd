import { randomInt } from 'node:crypto';
import { ArmError, groupNotFound } from './arm';
import type { GuestHandle, VmBackend } from './backend';
import type { Operations } from './lro';
import type { ArmResource, ResourceGroup } from './model';

export type PowerState = 'starting' | 'running' | 'stopping' | 'stopped' | 'deallocating' | 'deallocated';

/** What Azure knows of a VM beyond its JSON: its power, its guest, and the work queued on it. */
export interface VmRuntime {
  vmId: string;
  power?: PowerState;
  guest?: GuestHandle;
  customData?: string;
  /** Set by deletion: a boot still under way gives its guest up. */
  deleted: boolean;
  /** Each VM's background work (boot, stop, delete), chained. */
  chain: Promise<void>;
}

export interface ArmRequest {
  method: string;
  url: URL;
  params: Record<string, string>;
  body: unknown;
  apiVersion: string;
}

export interface ArmResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: string;
  /** Path pattern (see ArmPath.match), from `subscriptions/...` on. */
  pattern: string;
  /** What the call does, for counting and fault injection: `PUT virtualMachines`, `POST deallocate`... */
  operation: string;
  handle(req: ArmRequest, ctx: AzureContext): Promise<ArmResponse> | ArmResponse;
}

/** Everything the routes share: the subscription's resources, the guests, settings, and how to name things. */
export class AzureContext {
  readonly groups = new Map<string, ResourceGroup>();
  readonly resources = new Map<string, ArmResource>();
  readonly vms = new Map<string, VmRuntime>();
  /** How long a network resource's operation runs before it succeeds. */
  provisionMs = 300;
  /** How long a VM may take to answer SSH before its provisioning fails. */
  vmReadyTimeoutMs = 300_000;
  /** The next long-running operation of each kind ends Failed with this error (after Azure accepted it). */
  readonly asyncFailures = new Map<string, ArmError[]>();
  private publicHost = 10;
  private privateHost = 10;
  /**
   * A /16 of loopback addresses of its own (127.64.0.0 to 127.191.0.0), so two control planes (or one
   * and a local EC2 endpoint) running at once do not hand out the same "IP" and fight over its ports.
   */
  private readonly network = 64 + randomInt(128);

  constructor(
    readonly subscription: string,
    readonly backend: VmBackend,
    readonly operations: Operations,
    readonly base: () => string,
  ) {}

  /** A fresh public address: a loopback address the guest's ports are forwarded on. */
  nextPublicIp(): string {
    return `127.${this.network}.0.${this.publicHost++}`;
  }

  nextPrivateIp(): string {
    return `127.${this.network}.1.${this.privateHost++}`;
  }

  group(name: string): ResourceGroup {
    const group = this.groups.get(name.toLowerCase());
    if (!group) throw groupNotFound(name);
    return group;
  }

  get(id: string): ArmResource | undefined {
    return this.resources.get(id.toLowerCase());
  }

  /** A resource the request refers to by id; a missing one is the caller's mistake (400), as ARM says. */
  reference(id: unknown, what: string): ArmResource {
    const found = typeof id === 'string' ? this.get(id) : undefined;
    if (!found) throw new ArmError(400, 'InvalidResourceReference', `Resource ${String(id)} referenced by ${what} was not found.`);
    return found;
  }

  put(resource: ArmResource): void {
    this.resources.set(resource.id.toLowerCase(), resource);
  }

  remove(id: string): void {
    this.resources.delete(id.toLowerCase());
  }

  inGroup(group: string): ArmResource[] {
    return [...this.resources.values()].filter((r) => r.resourceGroup.toLowerCase() === group.toLowerCase());
  }

  ofType(type: string): ArmResource[] {
    return [...this.resources.values()].filter((r) => r.type.toLowerCase() === type.toLowerCase());
  }

  /** Takes the injected failure for the next long-running operation of `operation`, if any. */
  asyncFailure(operation: string): ArmError | undefined {
    return this.asyncFailures.get(operation)?.shift();
  }

  /** Queues work on a VM behind its earlier work; errors are the work's own business. */
  queue(vm: VmRuntime, work: () => Promise<void>): Promise<void> {
    const next = vm.chain.then(work, work);
    vm.chain = next.catch(() => undefined);
    return next;
  }

  async settled(): Promise<void> {
    await this.operations.settled();
    await Promise.all([...this.vms.values()].map((v) => v.chain));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The common parts of a PUT body, checked as ARM checks them. */
export function resourceBody(body: unknown): { location: string; tags: Record<string, string>; properties: Record<string, unknown>; raw: Record<string, unknown> } {
  if (typeof body !== 'object' || body === null) throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
  const raw = body as Record<string, unknown>;
  if (typeof raw.location !== 'string' || raw.location === '') throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
  const tags = (raw.tags ?? {}) as Record<string, string>;
  if (typeof tags !== 'object' || Object.values(tags).some((v) => typeof v !== 'string')) throw new ArmError(400, 'InvalidTag', 'Tag values must be strings.');
  const properties = (raw.properties ?? {}) as Record<string, unknown>;
  return { location: raw.location.toLowerCase().replace(/\s+/g, ''), tags, properties, raw };
}
