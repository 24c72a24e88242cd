import { promises as fs } from 'node:fs';
import type { CreateContext, CreateResult, Driver, DriverDescriptor, DriverEnvironment, LifecycleOperation } from '../../../src/core/driver';
import { provisionedImagePath } from '../../../src/images/provisioned-images';
import { OperationError, UsageError } from '../../../src/core/errors';
import type { MachineState, ResourceRecord, SshEndpoint } from '../../../src/core/machine-record';
import { type RegisteredDriver, register } from '../../../src/services/driver-registry';

export interface FakeConfig {
  /** Whether the core makes an SSH key for the machine (as cloud drivers do) or the user brings one. */
  generateKey: boolean;
  enginePort: number;
}

export interface FakeCloudOptions {
  /** Operations the descriptor declares unsupported, with the advice; the driver leaves them out. */
  unsupported?: Partial<Record<LifecycleOperation, string>>;
  /** How often the core may ask for the state. */
  statePollIntervalMs?: number;
  /** Text the driver's diagnose hook answers; without it the driver has no hook. */
  diagnosis?: string;
  /** Fingerprints the driver reads from the host's console; without them the driver has no such hook. */
  hostKeys?: string[];
  /** The descriptor offers provisioned images: create answers a key, and the driver can capture its disk. */
  provisionedImages?: boolean;
}

/** The key the fake driver answers for every recipe. */
export const FAKE_IMAGE_KEY = 'abcdef0123456789';

/** The SSH user and the key the user brought, when the core makes none. */
export const FAKE_SSH_USER = 'debian';
export const USER_KEY_PATH = '/home/someone/.ssh/id_ed25519';

/**
 * The provider behind the fake driver, shared by every driver instance the core opens (create,
 * rollback, lifecycle and remove each open their own, as with a real cloud). It holds what exists,
 * the states the machine passes through and the failures a test injects; it records the calls.
 */
export class FakeCloud {
  /** What exists at the provider, by id. Empty again after a complete removal. */
  readonly resources = new Map<string, ResourceRecord>();
  /** The kinds of resource create makes, in order (each journaled the moment it exists). */
  makes = ['disk', 'vm'];
  /** create fails right after making (and journaling) this many resources. */
  failCreateAfter: number | undefined;
  /** Called once each resource exists: a test interrupts create here. */
  onResource: ((resource: ResourceRecord) => void) | undefined;
  preCreateFailure: Error | undefined;
  /** state() answers these in turn; the last one stays. */
  states: MachineState[] = ['Running'];
  /** The states each operation leads through; the last one stays. */
  transitions: Record<LifecycleOperation, MachineState[]> = {
    start: ['Starting', 'Starting', 'Running'],
    stop: ['Stopping', 'Stopped'],
    restart: ['Stopping', 'Starting', 'Running'],
    kill: ['Stopped'],
  };
  /** The address the host has now; a test moves it (a cloud host started without a fixed IP). */
  address = '127.0.0.1';
  /** Where the host moves to at its next start, if anywhere. */
  addressAfterStart: string | undefined;
  removeFailure: Error | undefined;
  /** Every driver call, in order ("create", "state", "start"...). */
  readonly calls: string[] = [];
  /** The public key create was given, when the core made one. */
  sshPublicKey: string | undefined;
  /** The provisioning recipe create was given, when the core gave one. */
  provisioningRecipe: string | undefined;
  /** Whether create finds the provisioned image of FAKE_IMAGE_KEY (else it boots the plain base image). */
  imageCached = false;
  readonly registered: RegisteredDriver;

  constructor(readonly options: FakeCloudOptions = {}) {
    this.registered = register(fakeDescriptor(this));
  }

  /** The stored config of a machine of this driver, through the descriptor as `create` makes it. */
  config(overrides: Partial<FakeConfig> = {}): Record<string, unknown> {
    return this.registered.configFromFlags({ 'fake-generate-key': false, 'fake-engine-port': 2376, ...renameForFlags(overrides) });
  }

  get machineExists(): boolean {
    return [...this.resources.values()].some((r) => r.kind === 'vm');
  }
}

function renameForFlags(config: Partial<FakeConfig>): Record<string, unknown> {
  return {
    ...(config.generateKey === undefined ? {} : { 'fake-generate-key': config.generateKey }),
    ...(config.enginePort === undefined ? {} : { 'fake-engine-port': config.enginePort }),
  };
}

function fakeDescriptor(cloud: FakeCloud): DriverDescriptor<FakeConfig> {
  const read = (values: Record<string, unknown>, generate: string, port: string): FakeConfig => {
    if (typeof values[generate] !== 'boolean' || typeof values[port] !== 'number') throw new UsageError('not a fake driver config');
    return { generateKey: values[generate], enginePort: values[port] };
  };
  return {
    name: 'fake',
    aliases: ['pretend'],
    summary: 'a scripted provider for unit tests of the orchestration',
    flags: {},
    unsupported: cloud.options.unsupported ?? {},
    ...(cloud.options.provisionedImages ? { provisionedImages: true } : {}),
    generatesSshKey: (config) => config.generateKey,
    enginePort: (config) => config.enginePort,
    configFromFlags: (flags) => read(flags, 'fake-generate-key', 'fake-engine-port'),
    readConfig: (stored) => read(stored, 'generateKey', 'enginePort'),
    load: async () => (env) => new FakeDriver(env, cloud),
  };
}

/** One machine of the fake provider, keeping the driver contract of src/core/driver.ts. */
class FakeDriver implements Driver {
  readonly name = 'fake';
  readonly statePollIntervalMs: number | undefined;
  start?: () => Promise<void>;
  stop?: () => Promise<void>;
  restart?: () => Promise<void>;
  kill?: () => Promise<void>;
  diagnose?: () => Promise<string>;
  hostKeyFingerprints?: (signal: AbortSignal) => Promise<string[]>;
  captureProvisionedImage?: (key: string, ctx: CreateContext) => Promise<void>;

  constructor(
    private readonly env: DriverEnvironment<FakeConfig>,
    private readonly cloud: FakeCloud,
  ) {
    const { options } = cloud;
    this.statePollIntervalMs = options.statePollIntervalMs;
    for (const operation of ['start', 'stop', 'restart', 'kill'] as const) {
      // The contract: an operation declared unsupported is left out of the implementation.
      if (options.unsupported?.[operation] === undefined) this[operation] = async () => this.change(operation);
    }
    const { diagnosis, hostKeys } = options;
    if (diagnosis !== undefined) this.diagnose = async () => this.called('diagnose', diagnosis);
    if (hostKeys !== undefined) this.hostKeyFingerprints = async () => this.called('hostKeyFingerprints', hostKeys);
    if (options.provisionedImages) this.captureProvisionedImage = (key, ctx) => this.capture(key, ctx);
  }

  /** As a local VM driver: the disk goes into the image cache, and the machine boots again on top of it. */
  private async capture(key: string, ctx: CreateContext): Promise<void> {
    this.cloud.calls.push('captureProvisionedImage');
    const file = provisionedImagePath(this.env.storePath, key, 'qcow2');
    await fs.writeFile(file, 'the provisioned disk');
    await ctx.remember({ provisionedImage: key });
    this.cloud.states = ['Starting', 'Running'];
  }

  async preCreateCheck(): Promise<void> {
    this.cloud.calls.push('preCreateCheck');
    if (this.cloud.preCreateFailure) throw this.cloud.preCreateFailure;
  }

  async create(ctx: CreateContext): Promise<CreateResult> {
    const { cloud, env } = this;
    cloud.calls.push('create');
    cloud.sshPublicKey = ctx.sshPublicKey;
    cloud.provisioningRecipe = ctx.provisioningRecipe;
    for (const [index, kind] of cloud.makes.entries()) {
      // A real SDK call given the signal stops with an AbortError, which is not one of ours.
      if (ctx.signal.aborted) throw new Error('the request was aborted');
      const resource = { kind, id: `${kind}-${env.machineName}` };
      cloud.resources.set(resource.id, resource);
      await ctx.journal(resource);
      cloud.onResource?.(resource);
      if (cloud.failCreateAfter === index + 1) throw new OperationError('QUOTA_EXCEEDED', `quota exceeded after making ${kind}`);
    }
    await ctx.remember({ vmId: `vm-${env.machineName}` });
    ctx.progress('host made');
    if (ctx.provisioningRecipe && cloud.imageCached) await ctx.remember({ provisionedImage: FAKE_IMAGE_KEY });
    return {
      ip: cloud.address,
      ssh: await this.sshEndpoint(),
      addresses: [cloud.address],
      ...(ctx.provisioningRecipe ? { provisionedImage: { key: FAKE_IMAGE_KEY, hit: cloud.imageCached } } : {}),
    };
  }

  async state(): Promise<MachineState> {
    this.cloud.calls.push('state');
    if (!this.cloud.machineExists) return 'NotFound';
    const { states } = this.cloud;
    return states.length > 1 ? (states.shift() as MachineState) : states[0];
  }

  async ip(): Promise<string> {
    return this.cloud.address;
  }

  async sshEndpoint(): Promise<SshEndpoint> {
    return { host: this.cloud.address, port: 22, user: FAKE_SSH_USER, keyPath: this.env.sshKeyPath ?? USER_KEY_PATH };
  }

  async remove(): Promise<string[]> {
    const { cloud } = this;
    cloud.calls.push('remove');
    if (cloud.removeFailure) throw cloud.removeFailure;
    // Exactly what the journal names; a resource already gone is success (the contract: idempotent).
    return this.env.resources.map((r) => (cloud.resources.delete(r.id) ? `removed ${r.kind} ${r.id}` : `${r.kind} ${r.id} was already gone`));
  }

  private async change(operation: LifecycleOperation): Promise<void> {
    this.cloud.calls.push(operation);
    this.cloud.states = [...this.cloud.transitions[operation]];
    if ((operation === 'start' || operation === 'restart') && this.cloud.addressAfterStart) this.cloud.address = this.cloud.addressAfterStart;
  }

  private called<T>(call: string, answer: T): T {
    this.cloud.calls.push(call);
    return answer;
  }
}
