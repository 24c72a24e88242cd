import { waitForConsoleHostKeys } from '../../src/ssh/console-host-keys';
import { randomBytes } from 'node:crypto';
import type { CreateContext, CreateResult, Driver, DriverEnvironment } from '../../src/core/driver';
import { OperationError, throwIfCreateInterrupted } from '../../src/core/errors';
import type { MachineState, ResourceRecord, SshEndpoint } from '../../src/core/machine-record';
import { EC2_SSH_PORT, type Ec2Config } from './config';
import type { Ec2Port, InstanceInfo } from './ec2-port';
import { instanceIdsToRemove, type Ec2Facts, factsFrom } from './facts';
import { launchSpec } from './launch-spec';
import { type Placement, resolvePlacement } from './pre-create';
import { ensureSecurityGroup } from './security-group';
import { removeSecurityGroup } from './security-group-removal';
import { closeSwarmRules, openSwarmRules } from './swarm-rules';
import { machineStateOf } from './state-map';
import { MANAGED_TAG, machineTags } from './tags';

export interface Ec2DriverOptions {
  /** How long to wait for the instance to reach a state (running, stopped, terminated). */
  stateTimeoutMs?: number;
  statePollIntervalMs?: number;
  /** How long to read the console for host key fingerprints before trusting on first use. */
  hostKeyTimeoutMs?: number;
  hostKeyPollMs?: number;
  /** Pauses between tries when a security group is still held by a terminating instance's interface. */
  groupReleaseDelaysMs?: number[];
}

/** Journal kind of a security group requested by name, before EC2 answered with its id. */
const GROUP_REQUEST = 'ec2-security-group-request';

/**
 * An EC2 instance as a machine. Every resource is journaled before or the moment it exists: the key
 * pair by its unique name before importing it, the launch by its idempotency token (also a tag on the
 * instance) before RunInstances, so `remove` finds the instance even if create died before learning
 * its id; a security group by its name and VPC before CreateSecurityGroup, then by its id. Security
 * groups are ours to delete only when we created them (tagged) and nothing else uses them.
 */
export class Ec2Driver implements Driver {
  readonly name = 'amazonec2';
  /** Each state() is a DescribeInstances call, counted against the account's API rate. */
  readonly statePollIntervalMs: number;
  private readonly config: Ec2Config;
  private readonly facts: Ec2Facts;
  private readonly stateTimeoutMs: number;
  private readonly hostKeyTimeoutMs: number;
  private readonly hostKeyPollMs: number;
  private readonly groupReleaseDelaysMs: number[];
  /** Resolved by the pre-create check and reused by create in the same process. */
  private placement?: Placement;

  constructor(
    private readonly env: DriverEnvironment<Ec2Config>,
    private readonly ec2: Ec2Port,
    options: Ec2DriverOptions = {},
  ) {
    this.config = env.config;
    this.facts = factsFrom(env.state);
    this.stateTimeoutMs = options.stateTimeoutMs ?? 10 * 60_000;
    this.statePollIntervalMs = options.statePollIntervalMs ?? 5_000;
    this.hostKeyTimeoutMs = options.hostKeyTimeoutMs ?? 240_000;
    this.hostKeyPollMs = options.hostKeyPollMs ?? 5_000;
    this.groupReleaseDelaysMs = options.groupReleaseDelaysMs ?? [5_000, 10_000, 15_000, 30_000];
  }

  /** Resolves everything create needs (credentials, network, image) and fails before anything is made. */
  async preCreateCheck(): Promise<void> {
    this.placement = await resolvePlacement(this.config, this.ec2);
  }

  async create(ctx: CreateContext): Promise<CreateResult> {
    if (!ctx.sshPublicKey) throw new OperationError('EC2_NO_KEY', "the amazonec2 driver needs the machine's generated SSH key, and none was given");
    const placement = this.placement ?? (await resolvePlacement(this.config, this.ec2));
    const { image, subnet } = placement;
    const name = this.env.machineName;
    const region = this.config.region;
    ctx.progress(`${image.imageId} (${image.name}) in ${subnet.availabilityZone}, ${subnet.vpcId}`);
    await this.remember(ctx, { amiId: image.imageId, subnetId: subnet.subnetId, vpcId: subnet.vpcId });

    const keyName = `machine-${name}-${randomBytes(4).toString('hex')}`;
    await ctx.journal({ kind: 'ec2-key-pair', id: keyName, attributes: { region } });
    ctx.progress(`importing key pair ${keyName}`);
    await this.ec2.importKeyPair(keyName, ctx.sshPublicKey, machineTags(name, this.config));
    throwIfCreateInterrupted(ctx.signal);

    const groupAttributes = { region, name: this.config.securityGroup, vpcId: subnet.vpcId };
    const journalGroup = (groupId: string) => ctx.journal({ kind: 'ec2-security-group', id: groupId, attributes: groupAttributes });
    const journalGroupRequest = () => ctx.journal({ kind: GROUP_REQUEST, id: `${subnet.vpcId}/${this.config.securityGroup}`, attributes: groupAttributes });
    const group = await ensureSecurityGroup(this.ec2, this.config, subnet.vpcId, name, (m) => ctx.progress(m), { beforeCreate: journalGroupRequest, created: journalGroup }, ctx.exposeEnginePort ?? true);
    // A group of ours that was already there is journaled too: remove deletes it once no machine uses it.
    if (group.managed && !group.created) await journalGroup(group.groupId);
    throwIfCreateInterrupted(ctx.signal);

    const clientToken = `${name}-${randomBytes(8).toString('hex')}`.slice(-64);
    await ctx.journal({ kind: 'ec2-launch', id: clientToken, attributes: { region } });
    const spec = launchSpec(this.config, {
      machineName: name,
      image,
      subnetId: subnet.subnetId,
      securityGroupIds: [group.groupId],
      keyName,
      clientToken,
      ...(placement.userData !== undefined ? { userData: placement.userData } : {}),
    });
    ctx.progress(`launching ${this.config.instanceType}${this.config.spot ? ' (spot)' : ''}`);
    const instanceId = await this.ec2.runInstance(spec);
    await ctx.journal({ kind: 'ec2-instance', id: instanceId, attributes: { region } });
    await this.remember(ctx, { instanceId });

    ctx.progress(`waiting for ${instanceId} to run`);
    await this.waitFor(instanceId, 'running', ctx.signal);
    const instance = await this.describe(instanceId);
    const ip = this.addressOf(instance);
    return {
      ip,
      ssh: this.endpointFor(ip),
      addresses: [instance.publicIp, instance.privateIp].filter((a): a is string => a !== undefined),
    };
  }

  /** Fingerprints cloud-init printed on the console; empty when none came in time (then we trust on first use). */
  async hostKeyFingerprints(signal: AbortSignal): Promise<string[]> {
    const instanceId = this.requireInstanceId();
    return waitForConsoleHostKeys(() => this.ec2.consoleOutput(instanceId), { timeoutMs: this.hostKeyTimeoutMs, intervalMs: this.hostKeyPollMs, signal });
  }

  async state(): Promise<MachineState> {
    const id = this.facts.instanceId;
    if (!id) return 'NotFound';
    return machineStateOf((await this.ec2.describeInstance(id))?.state);
  }

  /**
   * One DescribeInstances (per 200 machines) for every peer of the same region, endpoint and profile,
   * instead of one per machine: what `ls` over a fleet costs against the account's API rate.
   */
  async batchStates(peers: readonly Driver[]): Promise<Map<Driver, MachineState>> {
    const sameAccount = peers.filter((p): p is Ec2Driver => p instanceof Ec2Driver && p.accountKey() === this.accountKey());
    const ids = sameAccount.flatMap((p) => (p.facts.instanceId ? [p.facts.instanceId] : []));
    const found = new Map((ids.length > 0 ? await this.ec2.describeInstances(ids) : []).map((i) => [i.instanceId, i.state]));
    return new Map(sameAccount.map((p) => [p, machineStateOf(p.facts.instanceId ? found.get(p.facts.instanceId) : undefined)]));
  }

  /** Machines whose instances one call can list together. */
  private accountKey(): string {
    return JSON.stringify([this.config.region, this.config.endpoint ?? '', this.config.profile ?? '']);
  }

  async ip(): Promise<string> {
    return this.addressOf(await this.describe(this.requireInstanceId()));
  }

  /** The private address: swarm peers in one VPC talk over it, whatever the machine's own address is. */
  async clusterAddress(): Promise<string | undefined> {
    return (await this.describe(this.requireInstanceId())).privateIp;
  }

  async openSwarmPorts(): Promise<string[]> {
    return openSwarmRules(this.ec2, this.config.securityGroup, this.requireVpcId());
  }

  async closeSwarmPorts(): Promise<string[]> {
    return closeSwarmRules(this.ec2, this.config.securityGroup, this.requireVpcId());
  }

  private requireVpcId(): string {
    if (!this.facts.vpcId) throw new OperationError('EC2_NO_VPC', `machine "${this.env.machineName}" has no VPC recorded (its create did not get that far)`);
    return this.facts.vpcId;
  }

  async sshEndpoint(): Promise<SshEndpoint> {
    return this.endpointFor(await this.ip());
  }

  async start(): Promise<void> {
    const id = this.requireInstanceId();
    // The core waits for Running (see the Driver contract), polling at statePollIntervalMs.
    await this.ec2.startInstance(id);
  }

  async stop(): Promise<void> {
    await this.stopInstance(false);
  }

  async kill(): Promise<void> {
    await this.stopInstance(true);
  }

  async restart(): Promise<void> {
    await this.ec2.rebootInstance(this.requireInstanceId());
  }

  async remove(): Promise<string[]> {
    const notes: string[] = [];
    const resources = this.env.resources;
    const instanceIds = await instanceIdsToRemove(this.ec2, resources);
    const terminating: string[] = [];
    for (const id of instanceIds) {
      const instance = await this.ec2.describeInstance(id);
      if (!instance || instance.state === 'terminated') {
        notes.push(`instance ${id} was already gone`);
        continue;
      }
      await this.ec2.terminateInstance(id);
      terminating.push(id);
    }
    for (const id of terminating) await this.waitFor(id, 'terminated');
    if (terminating.length > 0) notes.push(`terminated ${terminating.join(', ')}`);

    for (const keyPair of resources.filter((r) => r.kind === 'ec2-key-pair')) {
      await this.ec2.deleteKeyPair(keyPair.id);
      notes.push(`deleted key pair ${keyPair.id}`);
    }
    for (const group of [...resources.filter((r) => r.kind === 'ec2-security-group'), ...(await this.requestedGroupsNotJournaled(resources))]) {
      notes.push(await removeSecurityGroup(this.ec2, group, this.groupReleaseDelaysMs));
    }
    return notes;
  }

  /**
   * Groups whose creation was requested but whose id never reached the journal (the create was killed
   * in between), found by name in their VPC; only a group tagged as ours, as create would have made it.
   */
  private async requestedGroupsNotJournaled(resources: readonly ResourceRecord[]): Promise<ResourceRecord[]> {
    const found: ResourceRecord[] = [];
    for (const request of resources.filter((r) => r.kind === GROUP_REQUEST)) {
      const { name, vpcId } = request.attributes ?? {};
      if (typeof name !== 'string' || typeof vpcId !== 'string') continue;
      const journaled = resources.some((r) => r.kind === 'ec2-security-group' && r.attributes?.name === name && r.attributes.vpcId === vpcId);
      if (journaled) continue;
      const group = await this.ec2.findSecurityGroup(name, vpcId);
      if (group && group.tags[MANAGED_TAG] === 'true') found.push({ kind: 'ec2-security-group', id: group.groupId, attributes: request.attributes ?? {} });
    }
    return found;
  }

  private async stopInstance(force: boolean): Promise<void> {
    const id = this.requireInstanceId();
    // EC2 answers StopInstances on a one-time spot instance with UnsupportedOperation; say why before asking.
    if (this.config.spot) {
      throw new OperationError('NOT_SUPPORTED', `${this.env.machineName} runs on a one-time spot instance (${id}), which EC2 can terminate but not ${force ? 'force-stop' : 'stop'}`, [
        `machine rm ${this.env.machineName} removes it`,
        'create without --amazonec2-request-spot-instance for a machine you can stop and start',
      ]);
    }
    await this.ec2.stopInstance(id, force);
  }

  private async waitFor(instanceId: string, target: 'running' | 'stopped' | 'terminated', signal?: AbortSignal): Promise<void> {
    try {
      await this.ec2.waitFor(instanceId, target, { timeoutMs: this.stateTimeoutMs, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (signal?.aborted) throw new OperationError('INTERRUPTED', `interrupted while waiting for ${instanceId} to be ${target}`);
      const instance = await this.ec2.describeInstance(instanceId).catch(() => undefined);
      const now = instance ? `it is ${instance.state}${instance.stateReason ? ` (${instance.stateReason})` : ''}` : 'EC2 no longer knows it';
      throw new OperationError('EC2_WAIT_FAILED', `instance ${instanceId} did not become ${target}: ${now}`, [], err);
    }
  }

  private async describe(instanceId: string): Promise<InstanceInfo> {
    const instance = await this.ec2.describeInstance(instanceId);
    if (!instance || instance.state === 'terminated') {
      throw new OperationError('EC2_INSTANCE_GONE', `instance ${instanceId} of machine "${this.env.machineName}" no longer exists`, [`remove the machine with \`machine rm ${this.env.machineName}\``]);
    }
    return instance;
  }

  private addressOf(instance: InstanceInfo): string {
    const ip = this.config.usePrivateAddress ? instance.privateIp : instance.publicIp;
    if (ip) return ip;
    if (this.config.usePrivateAddress) throw new OperationError('EC2_NO_ADDRESS', `instance ${instance.instanceId} has no private address (it is ${instance.state})`);
    throw new OperationError('EC2_NO_ADDRESS', `instance ${instance.instanceId} has no public address (it is ${instance.state})`, [
      'the subnet may not assign public addresses: pass --amazonec2-subnet-id of a public subnet, or',
      'reach it inside the VPC with --amazonec2-use-private-address',
    ]);
  }

  private endpointFor(ip: string): SshEndpoint {
    return { host: ip, port: EC2_SSH_PORT, user: this.config.sshUser, keyPath: this.sshKeyPath() };
  }

  /** The key the core generated for this machine (the descriptor says the core always makes one). */
  private sshKeyPath(): string {
    if (!this.env.sshKeyPath) throw new OperationError('EC2_NO_KEY', `machine "${this.env.machineName}" has no SSH key from the core`);
    return this.env.sshKeyPath;
  }

  private requireInstanceId(): string {
    if (!this.facts.instanceId) {
      throw new OperationError('EC2_NO_INSTANCE', `machine "${this.env.machineName}" has no EC2 instance (its create did not get that far)`, [`remove it with \`machine rm ${this.env.machineName}\``]);
    }
    return this.facts.instanceId;
  }

  private async remember(ctx: CreateContext, facts: Partial<Ec2Facts>): Promise<void> {
    Object.assign(this.facts, facts);
    await ctx.remember(facts);
  }
}
