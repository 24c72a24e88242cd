import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CreateContext, CreateResult, Driver, DriverEnvironment } from '../../src/core/driver';
import { OperationError, PreCreateCheckError, createInterrupted, throwIfCreateInterrupted } from '../../src/core/errors';
import type { MachineState, SshEndpoint } from '../../src/core/machine-record';
import { writeSeedIso } from '../../src/images/nocloud-seed';
import { pollUntil } from '../../src/util/wait';
import { type BaseDisk, prepareBaseDisk } from './base-disk';
import { type HypervConfig, SECURE_BOOT_TEMPLATE, SSH_USER } from './config';
import { checkHost } from './host-check';
import { type VmRef, getVm, hostFacts, newDisk, newVm, removeVm, startVm, stopVm, turnOffVm } from './operations';
import { DEFAULT_POWERSHELL, PowerShellRunner, type ScriptRunner } from './powershell';
import { machineStateOf, preferredAddress, usableAddresses } from './state-map';

/** Everything the driver keeps in machines/NAME; `rm` deletes exactly these, and the VM. */
export function machineFiles(machineDir: string): { disk: string; seed: string; vmDir: string } {
  return { disk: path.join(machineDir, 'disk.vhdx'), seed: path.join(machineDir, 'seed.iso'), vmDir: path.join(machineDir, 'hyperv') };
}

/**
 * The guest reports its address through Hyper-V's data exchange (KVP) service, which Ubuntu ships in
 * linux-cloud-tools. The cloud image lacks it, so the first boot installs it for the running kernel;
 * only on Hyper-V (the VMBus is there), and never failing the boot.
 */
export const KVP_DAEMON_SETUP = [
  'if [ -d /sys/bus/vmbus ] && ! pgrep -x hv_kvp_daemon >/dev/null; then',
  '  if command -v apt-get >/dev/null; then',
  '    DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "linux-cloud-tools-$(uname -r)" linux-cloud-tools-common || DEBIAN_FRONTEND=noninteractive apt-get install -y -q hyperv-daemons',
  '  fi',
  '  systemctl restart hv-kvp-daemon.service 2>/dev/null || systemctl restart hyperv-daemons.hv-kvp-daemon.service 2>/dev/null || true',
  'fi',
].join('\n');

export interface HypervDriverOptions {
  runner?: ScriptRunner;
  /** How long stop lets the guest shut down before turning the VM off. */
  stopTimeoutSeconds?: number;
  /** How long create and ip() wait for the guest to report an address. */
  addressTimeoutMs?: number;
  addressPollMs?: number;
}

interface HypervFacts {
  vmId?: string;
  switchName?: string;
  imageSha256?: string;
}

/**
 * A local VM on Hyper-V. Every Hyper-V operation is one of the scripts in scripts/, run through
 * PowerShell; the disk, the seed and the VM's configuration live in the machine folder.
 */
export class HypervDriver implements Driver {
  readonly name = 'hyperv';
  // Each look is a PowerShell process (about a second on Windows): no need to ask more often.
  readonly statePollIntervalMs = 2_000;
  private readonly config: HypervConfig;
  private readonly runner: ScriptRunner;
  private readonly facts: HypervFacts;
  private readonly files: ReturnType<typeof machineFiles>;
  private readonly stopTimeoutSeconds: number;
  private readonly addressTimeoutMs: number;
  private readonly addressPollMs: number;
  private base?: BaseDisk;

  constructor(
    private readonly env: DriverEnvironment<HypervConfig>,
    options: HypervDriverOptions = {},
  ) {
    this.config = env.config;
    this.runner = options.runner ?? new PowerShellRunner(env.config.powershell ?? DEFAULT_POWERSHELL);
    this.facts = factsFrom(env.state);
    this.files = machineFiles(env.machineDir);
    this.stopTimeoutSeconds = options.stopTimeoutSeconds ?? 120;
    this.addressTimeoutMs = options.addressTimeoutMs ?? 600_000;
    this.addressPollMs = options.addressPollMs ?? 3_000;
  }

  /** The note new-vm.ps1 writes on the VM, so the scripts know it as this machine's before its id is recorded. */
  private get vmRef(): VmRef {
    return { id: this.facts.vmId ?? null, name: this.env.machineName, marker: `machine ${this.env.machineName} ${this.env.machineDir}` };
  }

  async preCreateCheck(): Promise<void> {
    const facts = await hostFacts(this.runner, this.env.machineName).catch((err: unknown) => {
      throw new PreCreateCheckError((err as Error).message, (err as { suggestions?: string[] }).suggestions ?? [], err);
    });
    this.facts.switchName = checkHost(facts, this.env.machineName, this.config.virtualSwitch).switchName;
    // The image is cached (downloaded, verified, written as VHD) before anything is created.
    this.base = await prepareBaseDisk(this.env.storePath, this.config.image, this.config.imageSha256).catch((err: unknown) => {
      throw new PreCreateCheckError(`the image ${this.config.image} is not usable: ${(err as Error).message}`, (err as { suggestions?: string[] }).suggestions ?? [], err);
    });
  }

  async create(ctx: CreateContext): Promise<CreateResult> {
    if (!ctx.sshPublicKey) throw new OperationError('HYPERV_NO_KEY', 'the Hyper-V driver needs the machine\'s generated SSH key, and none was given');
    const base = this.base ?? (await prepareBaseDisk(this.env.storePath, this.config.image, this.config.imageSha256, { progress: ctx.progress, signal: ctx.signal }));
    const switchName = this.facts.switchName ?? checkHost(await hostFacts(this.runner, this.env.machineName), this.env.machineName, this.config.virtualSwitch).switchName;
    await this.remember(ctx, { switchName, imageSha256: base.sha256 });
    throwIfCreateInterrupted(ctx.signal);

    await ctx.journal({ kind: 'hyperv-disk', id: path.basename(this.files.disk), attributes: { base: base.sha256 } });
    ctx.progress(`creating the ${this.config.diskSizeMb} MB disk from image ${base.sha256.slice(0, 12)}`);
    await newDisk(this.runner, base.path, this.files.disk, this.config.diskSizeMb * 1024 * 1024, ctx.signal);
    throwIfCreateInterrupted(ctx.signal);

    await ctx.journal({ kind: 'hyperv-seed', id: path.basename(this.files.seed) });
    await writeSeedIso(this.env.machineDir, {
      instanceId: `${this.env.machineName}-${randomBytes(6).toString('hex')}`,
      hostname: this.env.machineName,
      user: SSH_USER,
      sshPublicKey: ctx.sshPublicKey,
      runcmd: [KVP_DAEMON_SETUP],
    });
    throwIfCreateInterrupted(ctx.signal);

    // Journaled before New-VM: an interrupted create is found again by name and note.
    await ctx.journal({ kind: 'hyperv-vm', id: this.env.machineName, attributes: { marker: this.vmRef.marker } });
    ctx.progress(`creating the Generation 2 VM on switch "${switchName}" (${this.config.cpuCount} CPU, ${this.config.memoryMb} MB)`);
    const { id } = await newVm(
      this.runner,
      {
        name: this.env.machineName,
        marker: this.vmRef.marker,
        path: this.files.vmDir,
        memoryMb: this.config.memoryMb,
        cpuCount: this.config.cpuCount,
        dynamicMemory: this.config.dynamicMemory,
        diskPath: this.files.disk,
        seedPath: this.files.seed,
        switchName,
        macAddress: this.config.staticMacAddress ?? null,
        vlanId: this.config.vlanId ?? null,
        secureBoot: this.config.secureBoot,
        secureBootTemplate: SECURE_BOOT_TEMPLATE,
      },
      ctx.signal,
    );
    await this.remember(ctx, { vmId: id });
    throwIfCreateInterrupted(ctx.signal);

    ctx.progress('starting the VM');
    await startVm(this.runner, this.vmRef, ctx.signal);
    ctx.progress('waiting for the guest to report its address');
    const addresses = await this.waitForAddresses(ctx.signal);
    const ip = addresses[0] as string;
    return { ip, ssh: this.endpointAt(ip), addresses };
  }

  async state(): Promise<MachineState> {
    const vm = await getVm(this.runner, this.vmRef);
    return vm ? machineStateOf(vm.state) : 'NotFound';
  }

  /** The address the guest reports; a VM that runs but has not reported one yet is waited for. */
  async ip(): Promise<string> {
    return (await this.waitForAddresses()).at(0) as string;
  }

  async sshEndpoint(): Promise<SshEndpoint> {
    return this.endpointAt(await this.ip());
  }

  async start(): Promise<void> {
    await startVm(this.runner, this.vmRef);
  }

  async stop(): Promise<void> {
    await stopVm(this.runner, this.vmRef, this.stopTimeoutSeconds);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async kill(): Promise<void> {
    await turnOffVm(this.runner, this.vmRef);
  }

  async remove(): Promise<string[]> {
    const notes: string[] = [];
    if (!(await removeVm(this.runner, this.vmRef)) && this.facts.vmId) notes.push(`the Hyper-V VM ${this.facts.vmId} was already gone`);
    await fs.rm(this.files.disk, { force: true });
    await fs.rm(this.files.seed, { force: true });
    await fs.rm(this.files.vmDir, { recursive: true, force: true });
    return notes;
  }

  async diagnose(): Promise<string> {
    const vm = await getVm(this.runner, this.vmRef).catch(() => undefined);
    if (!vm) return 'Hyper-V has no VM for this machine';
    const advice =
      vm.addresses.length === 0
        ? '; the guest reported no address: it may still be booting, or lack the Hyper-V data exchange daemon (hv_kvp_daemon, in linux-cloud-tools), or the switch gives no DHCP lease. See its console in Hyper-V Manager (vmconnect)'
        : '';
    return `Hyper-V VM "${vm.name}" (${vm.id}) is ${vm.state}, addresses: ${vm.addresses.join(', ') || 'none'}${advice}`;
  }

  private endpointAt(ip: string): SshEndpoint {
    if (!this.env.sshKeyPath) throw new OperationError('HYPERV_NO_KEY', `machine "${this.env.machineName}" has no SSH key from the core`);
    return { host: ip, port: 22, user: SSH_USER, keyPath: this.env.sshKeyPath };
  }

  /** Polls get-vm until the running guest reports an address; fails at once when the VM is not running. */
  private async waitForAddresses(signal?: AbortSignal): Promise<string[]> {
    let last: string[] = [];
    const found = await pollUntil(
      async () => {
        const vm = await getVm(this.runner, this.vmRef, signal);
        if (!vm) throw new OperationError('HYPERV_VM_GONE', `Hyper-V has no VM for machine "${this.env.machineName}"`, [`remove it with \`machine rm ${this.env.machineName}\``]);
        const state = machineStateOf(vm.state);
        if (state !== 'Running' && state !== 'Starting') throw new OperationError('HYPERV_NOT_RUNNING', `machine "${this.env.machineName}" is not running (Hyper-V says ${vm.state})`, [`start it with \`machine start ${this.env.machineName}\``]);
        last = vm.addresses;
        const usable = usableAddresses(vm.addresses);
        return preferredAddress(vm.addresses) ? usable : undefined;
      },
      { timeoutMs: this.addressTimeoutMs, intervalMs: this.addressPollMs, abortError: createInterrupted, ...(signal ? { signal } : {}) },
    );
    if (found) return found;
    throw new OperationError(
      'HYPERV_NO_ADDRESS',
      `the guest of "${this.env.machineName}" reported no usable address within ${Math.round(this.addressTimeoutMs / 1000)} s${last.length > 0 ? ` (it reported ${last.join(', ')})` : ''}`,
      ['the guest needs the Hyper-V data exchange daemon (hv_kvp_daemon) and a DHCP lease from the switch; see its console in Hyper-V Manager'],
    );
  }

  private async remember(ctx: CreateContext, facts: HypervFacts): Promise<void> {
    Object.assign(this.facts, facts);
    await ctx.remember({ ...facts });
  }
}

function factsFrom(state: Record<string, unknown>): HypervFacts {
  const facts: HypervFacts = {};
  if (typeof state.vmId === 'string') facts.vmId = state.vmId;
  if (typeof state.switchName === 'string') facts.switchName = state.switchName;
  if (typeof state.imageSha256 === 'string') facts.imageSha256 = state.imageSha256;
  return facts;
}
