import { waitForConsoleHostKeys } from '../../src/ssh/console-host-keys';
import type { CreateContext, CreateResult, Driver, DriverEnvironment } from '../../src/core/driver';
import { OperationError } from '../../src/core/errors';
import type { MachineState, SshEndpoint } from '../../src/core/machine-record';
import type { AzurePort, NicInfo, PublicIpInfo, ResourceName } from './azure-port';
import { AZURE_SSH_PORT, type AzureConfig } from './config';
import { type StepContext, checkInterrupt, createNic, createPublicIp, ensureAvailabilitySet, ensureNsg, ensureResourceGroup, ensureSubnet } from './create-steps';
import { type AzureFacts, factsFrom } from './facts';
import { formatImageUrn } from './image-urn';
import { type MachineResourceNames, resourceNames } from './names';
import { closeSwarmNsgRules, openSwarmNsgRules } from './swarm-rules';
import { type Placement, resolvePlacement } from './pre-create';
import { removeResources } from './removal';
import { machineStateOf } from './state-map';
import { vmSpec } from './vm-spec';

export interface AzureDriverOptions {
  /** Each state() is an instance view read, counted against the subscription's read limit. */
  statePollIntervalMs?: number;
  /** How long to read the serial log for host key fingerprints before trusting on first use. */
  hostKeyTimeoutMs?: number;
  hostKeyPollMs?: number;
}

/**
 * An Azure VM as a machine. Every resource is journaled (by its resource id) the moment Azure accepts
 * its PUT, before the long-running operation behind it completes, so a create that fails or is
 * interrupted at any point is removed exactly. Shared resources (resource group, virtual network,
 * security group, availability set) are ours to delete only when we made them and nothing uses them.
 */
export class AzureDriver implements Driver {
  readonly name = 'azure';
  readonly statePollIntervalMs: number;
  private readonly config: AzureConfig;
  private readonly facts: AzureFacts;
  private readonly names: MachineResourceNames;
  private readonly hostKeyTimeoutMs: number;
  private readonly hostKeyPollMs: number;
  /** Resolved by the pre-create check and reused by create in the same process. */
  private placement?: Placement;

  constructor(
    private readonly env: DriverEnvironment<AzureConfig>,
    private readonly azure: AzurePort,
    options: AzureDriverOptions = {},
  ) {
    this.config = env.config;
    this.facts = factsFrom(env.state);
    this.names = resourceNames(env.machineName, env.config);
    this.statePollIntervalMs = options.statePollIntervalMs ?? 5_000;
    this.hostKeyTimeoutMs = options.hostKeyTimeoutMs ?? 240_000;
    this.hostKeyPollMs = options.hostKeyPollMs ?? 5_000;
  }

  async preCreateCheck(): Promise<void> {
    this.placement = await resolvePlacement(this.env.machineName, this.config, this.azure);
  }

  async create(ctx: CreateContext): Promise<CreateResult> {
    if (!ctx.sshPublicKey) throw new OperationError('AZURE_NO_KEY', "the azure driver needs the machine's generated SSH key, and none was given");
    const placement = this.placement ?? (await resolvePlacement(this.env.machineName, this.config, this.azure));
    const names = this.names;
    const image = formatImageUrn(placement.image.urn);
    ctx.progress(`${image} on ${placement.sku.name} in ${this.config.location}, resource group ${this.config.resourceGroup}`);
    await this.remember(ctx, { vmName: names.vm, nicName: names.nic, nsgName: names.nsg, osDiskName: names.osDisk, image, ...(this.config.noPublicIp ? {} : { publicIpName: names.publicIp }) });

    const steps: StepContext = {
      azure: this.azure,
      config: this.config,
      machineName: this.env.machineName,
      names,
      signal: ctx.signal,
      progress: (m) => ctx.progress(m),
      exposeEnginePort: ctx.exposeEnginePort ?? true,
      journal: (resource, id) => ctx.journal({ kind: resource.kind, id, attributes: attributesOf(resource) }),
    };
    let doing = 'creating the resource group';
    try {
      await ensureResourceGroup(steps);
      checkInterrupt(steps);
      doing = 'creating the availability set';
      const availabilitySetId = await ensureAvailabilitySet(steps);
      checkInterrupt(steps);
      doing = 'creating the network';
      const subnet = await ensureSubnet(steps);
      checkInterrupt(steps);
      doing = 'creating the network security group';
      const nsg = await ensureNsg(steps);
      checkInterrupt(steps);
      doing = 'creating the public IP';
      const publicIp = await createPublicIp(steps);
      checkInterrupt(steps);
      doing = 'creating the network interface';
      const nic = await createNic(steps, subnet, nsg, publicIp);
      checkInterrupt(steps);

      const spec = vmSpec(this.config, { machineName: this.env.machineName, names, placement, nic, sshPublicKey: ctx.sshPublicKey, ...(availabilitySetId ? { availabilitySetId } : {}) });
      ctx.progress(`creating VM ${names.vm} (${placement.sku.name}); waiting for Azure to provision it`);
      doing = `waiting for VM ${names.vm} to be provisioned`;
      const group = this.config.resourceGroup;
      await this.azure.createVm(
        group,
        names.vm,
        spec,
        async (id) => {
          await steps.journal({ kind: 'azure-vm', resourceGroup: group, name: names.vm }, id);
          // The OS disk is made by the VM's PUT; its id follows the VM's.
          await steps.journal({ kind: 'azure-disk', resourceGroup: group, name: names.osDisk }, diskIdBeside(id, names.osDisk));
        },
        { signal: ctx.signal },
      );
    } catch (err) {
      // A long-running wait that Ctrl-C cut short surfaces as the SDK's abort: say what was interrupted.
      if (ctx.signal.aborted && !(err instanceof OperationError && err.code === 'INTERRUPTED')) throw new OperationError('INTERRUPTED', `interrupted while ${doing}`, [], err);
      throw err;
    }

    const addresses = await this.addresses();
    const ip = this.chooseAddress(addresses);
    return {
      ip,
      ssh: this.endpointFor(ip),
      addresses: [addresses.publicIp?.ipAddress, addresses.publicIp?.fqdn, addresses.nic.privateIp].filter((a): a is string => a !== undefined),
    };
  }

  /** Fingerprints cloud-init printed on the serial console; empty when none came in time (then we trust on first use). */
  async hostKeyFingerprints(signal: AbortSignal): Promise<string[]> {
    return waitForConsoleHostKeys(() => this.azure.serialLog(this.config.resourceGroup, this.vmName()), { timeoutMs: this.hostKeyTimeoutMs, intervalMs: this.hostKeyPollMs, signal });
  }

  async diagnose(): Promise<string> {
    const log = await this.azure.serialLog(this.config.resourceGroup, this.vmName()).catch(() => undefined);
    if (!log) return 'boot diagnostics have no serial log for the VM yet';
    return `last lines of the VM's serial log (boot diagnostics):\n${log.trimEnd().split('\n').slice(-20).join('\n')}`;
  }

  async state(): Promise<MachineState> {
    if (!this.facts.vmName) return 'NotFound';
    return machineStateOf(await this.azure.vmStatus(this.config.resourceGroup, this.facts.vmName));
  }

  async ip(): Promise<string> {
    return this.chooseAddress(await this.addresses());
  }

  /** The NIC's private address: swarm peers in one virtual network talk over it. */
  async clusterAddress(): Promise<string | undefined> {
    return (await this.addresses()).nic.privateIp;
  }

  async openSwarmPorts(): Promise<string[]> {
    return openSwarmNsgRules(this.azure, this.config, this.facts.nsgName ?? this.names.nsg);
  }

  async closeSwarmPorts(): Promise<string[]> {
    return closeSwarmNsgRules(this.azure, this.config, this.facts.nsgName ?? this.names.nsg);
  }

  async sshEndpoint(): Promise<SshEndpoint> {
    return this.endpointFor(await this.ip());
  }

  async start(): Promise<void> {
    // The core waits for Running (see the Driver contract), polling at statePollIntervalMs.
    await this.azure.startVm(this.config.resourceGroup, this.vmName());
  }

  /** Deallocates (compute billing stops) unless --azure-stop-mode poweroff keeps the allocation. */
  async stop(): Promise<void> {
    if (this.config.stopMode === 'poweroff') await this.azure.powerOffVm(this.config.resourceGroup, this.vmName(), false);
    else await this.azure.deallocateVm(this.config.resourceGroup, this.vmName());
  }

  /** Power off at once, without the guest's shutdown. The allocation stays (it is billed) until `stop`. */
  async kill(): Promise<void> {
    await this.azure.powerOffVm(this.config.resourceGroup, this.vmName(), true);
  }

  async restart(): Promise<void> {
    await this.azure.restartVm(this.config.resourceGroup, this.vmName());
  }

  async remove(): Promise<string[]> {
    return removeResources(this.azure, this.config, this.env.resources);
  }

  private async addresses(): Promise<{ nic: NicInfo; publicIp?: PublicIpInfo }> {
    const group = this.config.resourceGroup;
    const vm = await this.azure.getVm(group, this.vmName());
    if (!vm) {
      throw new OperationError('AZURE_VM_GONE', `VM ${this.vmName()} of machine "${this.env.machineName}" no longer exists`, [`remove the machine with \`machine rm ${this.env.machineName}\``]);
    }
    const nic = await this.azure.getNic(group, this.facts.nicName ?? this.names.nic);
    if (!nic) throw new OperationError('AZURE_NIC_GONE', `network interface ${this.facts.nicName ?? this.names.nic} of machine "${this.env.machineName}" no longer exists`);
    const publicIp = nic.publicIpId ? await this.azure.publicIpById(nic.publicIpId) : undefined;
    return { nic, ...(publicIp ? { publicIp } : {}) };
  }

  private chooseAddress(addresses: { nic: NicInfo; publicIp?: PublicIpInfo }): string {
    if (this.config.usePrivateIp) {
      if (addresses.nic.privateIp) return addresses.nic.privateIp;
      throw new OperationError('AZURE_NO_ADDRESS', `network interface ${this.names.nic} has no private address`);
    }
    if (addresses.publicIp?.ipAddress) return addresses.publicIp.ipAddress;
    throw new OperationError('AZURE_NO_ADDRESS', `VM ${this.vmName()} has no public address${addresses.publicIp ? ' (a dynamic one is assigned only while it runs)' : ''}`, [
      `start it with \`machine start ${this.env.machineName}\`, or reach it inside its network with --azure-use-private-ip`,
    ]);
  }

  private endpointFor(ip: string): SshEndpoint {
    return { host: ip, port: AZURE_SSH_PORT, user: this.config.sshUser, keyPath: this.sshKeyPath() };
  }

  /** The key the core generated for this machine (the descriptor says the core always makes one). */
  private sshKeyPath(): string {
    if (!this.env.sshKeyPath) throw new OperationError('AZURE_NO_KEY', `machine "${this.env.machineName}" has no SSH key from the core`);
    return this.env.sshKeyPath;
  }

  private vmName(): string {
    if (!this.facts.vmName) {
      throw new OperationError('AZURE_NO_VM', `machine "${this.env.machineName}" has no Azure VM (its create did not get that far)`, [`remove it with \`machine rm ${this.env.machineName}\``]);
    }
    return this.facts.vmName;
  }

  private async remember(ctx: CreateContext, facts: Partial<AzureFacts>): Promise<void> {
    Object.assign(this.facts, facts);
    await ctx.remember(facts);
  }
}

function attributesOf(resource: ResourceName): Record<string, string> {
  return { resourceGroup: resource.resourceGroup, name: resource.name, ...(resource.parent ? { parent: resource.parent } : {}) };
}

/** `/subscriptions/S/resourceGroups/G/providers/Microsoft.Compute/virtualMachines/V` -> the disk NAME beside it. */
function diskIdBeside(vmId: string, diskName: string): string {
  return vmId.replace(/\/virtualMachines\/[^/]+$/i, `/disks/${diskName}`);
}
