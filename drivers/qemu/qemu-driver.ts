import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type CreateContext, type CreateResult, type Driver, type DriverEnvironment, PROVISIONED_IMAGE_STATE } from '../../src/core/driver';
import { errorMessage, OperationError, PreCreateCheckError, throwIfCreateInterrupted } from '../../src/core/errors';
import type { MachineState, SshEndpoint } from '../../src/core/machine-record';
import type { QemuConfig } from './config';
import { ProcessError } from '../../src/util/process-error';
import { runProcess } from '../../src/util/run-process';
import { gatherHostFacts } from './host-facts';
import { ImageCache, cachedImagePath } from '../../src/images/image-cache';
import { writeSeedIso } from '../../src/images/nocloud-seed';
import { ProvisionedImages, provisionedImageKey, provisionedImagePath } from '../../src/images/provisioned-images';
import { launchQemu, removeFiles } from './launch';
import { machineFiles, runtimeFiles, type MachineFiles } from './machine-files';
import { createOverlay, qemuImgFor } from './overlay';
import { releasePorts, reservePorts } from './ports';
import { guestAddressScript, leaseAddress, releaseAddress, type NetworkLease } from './network';
import { isOurProcess, procStat, readPidfile, signal, waitForExit, type ProcessIdentity } from './process';
import { qmpCommand, stateFromRunStatus } from './qmp';
import { type Accelerator, type HostFacts, accelProblem, buildQemuArgs, clusterMacFor, defaultBinary, resolveAccel } from './qemu-args';
import { serialLogTail } from './serial-log';
import { GUEST_ENGINE_PORT, USER_NETWORK_GUEST_ADDRESS } from './guest';

const LOOPBACK = '127.0.0.1';

/** What create learns and later commands need (persisted through ctx.remember). */
interface QemuFacts {
  sshPort?: number;
  enginePort?: number;
  imageSha256?: string;
  accel?: Accelerator;
  /** The provisioned image (cache key) the disk is an overlay on, when it is one. */
  provisionedImage?: string;
  /** The machine's lease on its `--qemu-network`, when it has one. */
  network?: Omit<NetworkLease, 'prefixLength'>;
}

export interface QemuDriverOptions {
  /** How long `stop` waits for the guest to power off before killing QEMU. */
  stopTimeoutMs?: number;
  hostFacts?: (binary: string) => Promise<HostFacts>;
}

export const QEMU_PACKAGE_SUGGESTIONS = [
  'Debian/Ubuntu: sudo apt-get install qemu-system-x86 qemu-utils',
  'Fedora/RHEL: sudo dnf install qemu-kvm qemu-img',
  'macOS: brew install qemu',
  'Windows: winget install SoftwareFreedomConservancy.QEMU',
  'or point --qemu-binary at the emulator',
];

/**
 * A local VM run by QEMU with user-mode networking: SSH and the engine are reached through ports
 * forwarded on 127.0.0.1. QEMU runs detached; everything about it (disk overlay, cloud-init seed,
 * pidfile, QMP socket, serial log) lives in the machine folder, so any later command finds it.
 */
export class QemuDriver implements Driver {
  readonly name = 'qemu';
  private readonly config: QemuConfig;
  private readonly files: MachineFiles;
  private readonly facts: QemuFacts;
  private readonly stopTimeoutMs: number;
  private readonly hostFacts: (binary: string) => Promise<HostFacts>;

  constructor(
    private readonly env: DriverEnvironment<QemuConfig>,
    options: QemuDriverOptions = {},
  ) {
    this.config = env.config;
    this.files = machineFiles(env.machineDir);
    this.facts = factsFrom(env.state);
    this.stopTimeoutMs = options.stopTimeoutMs ?? 90_000;
    this.hostFacts = options.hostFacts ?? gatherHostFacts;
  }

  private get binary(): string {
    return this.config.binary ?? defaultBinary(process.arch);
  }

  async preCreateCheck(): Promise<void> {
    const binary = this.binary;
    await runProcess(binary, ['--version'], { timeoutMs: 15_000 }).catch((err: unknown) => {
      const missing = err instanceof ProcessError && err.notFound;
      throw new PreCreateCheckError(missing ? `QEMU (${binary}) is not installed or not on PATH` : `QEMU (${binary}) does not run: ${errorMessage(err)}`, QEMU_PACKAGE_SUGGESTIONS, err);
    });
    const qemuImg = qemuImgFor(binary);
    await runProcess(qemuImg, ['--version'], { timeoutMs: 15_000 }).catch((err: unknown) => {
      throw new PreCreateCheckError(`${qemuImg} is missing (it makes the machine's disk)`, QEMU_PACKAGE_SUGGESTIONS, err);
    });
    const facts = await this.hostFacts(binary);
    if (this.config.accel !== 'auto') {
      const problem = accelProblem(this.config.accel, facts);
      if (problem) throw new PreCreateCheckError(`--qemu-accel ${this.config.accel}: ${problem}`, ['use --qemu-accel auto, or tcg (slower, works everywhere)']);
    }
    for (const [flag, file] of [['--qemu-kernel', this.config.kernel], ['--qemu-initrd', this.config.initrd]] as const) {
      if (file && !(await fs.stat(file).then((s) => s.isFile(), () => false))) throw new PreCreateCheckError(`${flag} ${file} does not exist`);
    }
  }

  async create(ctx: CreateContext): Promise<CreateResult> {
    if (!ctx.sshPublicKey) throw new OperationError('QEMU_NO_KEY', 'the QEMU driver needs the machine\'s generated SSH key, and none was given');

    const cache = new ImageCache(this.env.storePath, { image: '--qemu-image', sha256: '--qemu-image-sha256' });
    const image = await cache.resolve(this.config.image, {
      ...(this.config.imageSha256 ? { expectedSha256: this.config.imageSha256 } : {}),
      progress: (m) => ctx.progress(m),
      signal: ctx.signal,
    });
    const accel = resolveAccel(this.config.accel, await this.hostFacts(this.binary));
    await this.remember(ctx, { imageSha256: image.sha256, accel });
    throwIfCreateInterrupted(ctx.signal);

    // Journaled before anything can fail, so a rollback always releases them.
    await ctx.journal({ kind: 'qemu-ports', id: this.env.machineName });
    const ports = await reservePorts(this.env.storePath, this.env.machineName);
    await this.remember(ctx, ports);
    throwIfCreateInterrupted(ctx.signal);
    if (this.config.network) {
      await ctx.journal({ kind: 'qemu-network-address', id: this.env.machineName, attributes: { network: this.config.network } });
      const lease = await leaseAddress(this.env.storePath, this.config.network, this.env.machineName);
      await this.remember(ctx, { network: { name: lease.name, group: lease.group, port: lease.port, subnetPrefix: lease.subnetPrefix, address: lease.address } });
      ctx.progress(`address ${lease.address} on QEMU network "${lease.name}" (multicast ${lease.group}:${lease.port} on 127.0.0.1)`);
    }

    const provisioned = ctx.provisioningRecipe ? await this.findProvisionedImage(image.sha256, ctx.provisioningRecipe) : undefined;
    await ctx.journal({ kind: 'qemu-disk', id: path.basename(this.files.disk), attributes: { base: provisioned?.key ?? image.sha256 } });
    if (provisioned?.path) {
      // Remembered before the overlay exists, so `machine cache rm` never sees an unused image this disk is about to need.
      await this.remember(ctx, { provisionedImage: provisioned.key });
      ctx.progress(`creating ${this.config.diskSize} disk on provisioned image ${provisioned.key} (from the image cache: the engine is already installed)`);
      await createOverlay(qemuImgFor(this.binary), provisioned.path, this.files.disk, this.config.diskSize);
    } else {
      if (provisioned) ctx.progress(`no provisioned image ${provisioned.key} in the image cache yet: provisioning from scratch`);
      ctx.progress(`creating ${this.config.diskSize} disk on image ${image.sha256.slice(0, 12)}`);
      await createOverlay(qemuImgFor(this.binary), image.path, this.files.disk, this.config.diskSize);
    }

    // From a provisioned image, the guest writes the engine's files at first boot, so dockerd starts
    // there configured; the guest's own addresses (user network, cluster network) go into its certificate too.
    const bootFiles = provisioned?.path ? await ctx.engineBootFiles?.({ provisionedImage: provisioned.key, guestAddresses: [LOOPBACK, USER_NETWORK_GUEST_ADDRESS, ...(this.facts.network ? [this.facts.network.address] : [])] }) : undefined;
    await ctx.journal({ kind: 'qemu-seed', id: path.basename(this.files.seed) });
    await writeSeedIso(this.env.machineDir, {
      instanceId: `${this.env.machineName}-${randomBytes(6).toString('hex')}`,
      hostname: this.env.machineName,
      user: this.config.sshUser,
      sshPublicKey: ctx.sshPublicKey,
      ...(bootFiles ? { bootFiles } : {}),
      ...(this.facts.network ? { bootcmd: [guestAddressScript(clusterMacFor(this.env.machineName), { address: this.facts.network.address, prefixLength: 24 })] } : {}),
    });
    throwIfCreateInterrupted(ctx.signal);

    ctx.progress(`starting QEMU (${accel}, ${this.config.cpus} CPU, ${this.config.memoryMb} MiB)`);
    const pid = await this.launch();
    await ctx.journal({ kind: 'qemu-process', id: String(pid) });
    return {
      ip: LOOPBACK,
      ssh: await this.sshEndpoint(),
      addresses: [LOOPBACK],
      dockerEndpoint: { host: LOOPBACK, port: ports.enginePort },
      ...(provisioned ? { provisionedImage: { key: provisioned.key, hit: provisioned.path !== undefined } } : {}),
    };
  }

  /**
   * The guest was sealed and is asked to power off (ACPI, as `stop`): only a clean shutdown gives a
   * consistent disk, so a guest that does not go down in time fails the capture rather than being
   * killed. Its disk then moves (a rename: no copy) into the image cache as the provisioned image,
   * the machine gets a new overlay on it, and QEMU starts again.
   */
  async captureProvisionedImage(key: string, ctx: CreateContext): Promise<void> {
    const identity = await this.runningIdentity();
    if (identity) {
      ctx.progress('shutting the sealed guest down');
      await qmpCommand(this.files.qmpSocket, 'system_powerdown');
      if (!(await waitForExit(identity, this.env.machineDir, this.stopTimeoutMs, 250))) {
        throw new OperationError('QEMU_SEAL_SHUTDOWN', `the sealed guest did not power off within ${this.stopTimeoutMs / 1000}s, so its disk cannot be kept as a consistent image`);
      }
    }
    await this.clearRuntime();
    throwIfCreateInterrupted(ctx.signal);
    const target = provisionedImagePath(this.env.storePath, key, 'qcow2');
    await fs.rename(this.files.disk, target);
    await this.remember(ctx, { provisionedImage: key });
    ctx.progress(`kept the provisioned disk as image ${key}; booting this machine again from it`);
    await createOverlay(qemuImgFor(this.binary), target, this.files.disk, this.config.diskSize);
    const pid = await this.launch();
    await ctx.journal({ kind: 'qemu-process', id: String(pid) });
  }

  /** The cache key for this base image and recipe, with the image's path when the cache has it ready. */
  private async findProvisionedImage(baseImageSha256: string, recipe: string): Promise<{ key: string; path?: string }> {
    // The disk size is part of the key: the guest grew its filesystem to the first machine's disk.
    const key = provisionedImageKey({ driver: 'qemu', baseImageSha256, recipe, shape: this.config.diskSize });
    const found = await new ProvisionedImages(this.env.storePath).find(key);
    return found ? { key, path: found.path } : { key };
  }

  async state(): Promise<MachineState> {
    const identity = await this.runningIdentity();
    if (!identity) {
      if (!(await exists(this.files.disk))) return 'NotFound';
      // A pidfile whose process is gone means QEMU ended without stop/kill (crash, host reboot, kill
      // from outside). Nothing on the console at all means it died before the guest even started.
      if ((await exists(this.files.pidfile)) && (await serialLogTail(this.files.serialLog, 1)) === '') return 'Error';
      return 'Stopped';
    }
    try {
      const status = (await qmpCommand(this.files.qmpSocket, 'query-status')) as { status?: unknown };
      return typeof status.status === 'string' ? stateFromRunStatus(status.status) : 'Running';
    } catch {
      // Our process is alive but QMP is busy or gone: it still runs.
      return 'Running';
    }
  }

  async ip(): Promise<string> {
    return LOOPBACK;
  }

  /** The address on the machine's `--qemu-network`: the one its peers reach it at (none without a network). */
  async clusterAddress(): Promise<string | undefined> {
    return this.facts.network?.address;
  }

  async sshEndpoint(): Promise<SshEndpoint> {
    const port = this.facts.sshPort;
    if (port === undefined) throw new OperationError('QEMU_NO_PORTS', `machine "${this.env.machineName}" has no SSH port yet (its create did not get that far)`);
    return { host: LOOPBACK, port, user: this.config.sshUser, keyPath: this.sshKeyPath() };
  }

  async start(): Promise<void> {
    if (await this.runningIdentity()) return;
    if (!(await exists(this.files.disk))) {
      throw new OperationError('QEMU_NO_DISK', `the disk of "${this.env.machineName}" (${this.files.disk}) is gone`, [`remove the machine with \`machine rm ${this.env.machineName}\` and create it again`]);
    }
    if (this.facts.imageSha256 && !(await exists(cachedImagePath(this.env.storePath, this.facts.imageSha256)))) {
      throw new OperationError('QEMU_NO_BASE', `the base image ${this.facts.imageSha256} this machine's disk is built on was removed from ${path.dirname(cachedImagePath(this.env.storePath, this.facts.imageSha256))}`, [
        `remove the machine with \`machine rm ${this.env.machineName}\` and create it again`,
      ]);
    }
    if (this.facts.provisionedImage && !(await exists(provisionedImagePath(this.env.storePath, this.facts.provisionedImage, 'qcow2')))) {
      throw new OperationError('QEMU_NO_BASE', `the provisioned image ${this.facts.provisionedImage} this machine's disk is built on was removed from the image cache`, [
        `remove the machine with \`machine rm ${this.env.machineName}\` and create it again`,
      ]);
    }
    await this.launch();
  }

  async stop(): Promise<void> {
    const identity = await this.runningIdentity();
    if (!identity) return this.clearRuntime();
    const asked = await qmpCommand(this.files.qmpSocket, 'system_powerdown').then(
      () => true,
      () => false,
    );
    if (!asked || !(await waitForExit(identity, this.env.machineDir, this.stopTimeoutMs, 500))) await this.forceStop(identity);
    await this.clearRuntime();
  }

  async kill(): Promise<void> {
    const identity = await this.runningIdentity();
    if (identity) await this.forceStop(identity);
    await this.clearRuntime();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async remove(): Promise<string[]> {
    await this.kill();
    await removeFiles([this.files.disk, this.files.seed, this.files.serialLog]);
    await fs.rm(this.files.seedDir, { recursive: true, force: true });
    await releasePorts(this.env.storePath, this.env.machineName);
    await releaseAddress(this.env.storePath, this.env.machineName);
    return [];
  }

  /** The last lines of the guest's serial console (empty when it printed nothing). */
  serialTail(lines = 30): Promise<string> {
    return serialLogTail(this.files.serialLog, lines);
  }

  /**
   * Why a boot may have failed, for the core to add to a timeout or error message: the serial tail,
   * and, when the console stayed silent under hardware acceleration, the advice to try TCG.
   */
  async diagnose(): Promise<string> {
    const tail = await this.serialTail();
    const accel = this.facts.accel ?? this.config.accel;
    if (tail === '') {
      const advice = accel === 'tcg' ? 'the guest may not have a serial console on ttyS0' : `hardware acceleration (${accel}) may hang here (nested virtualisation often does); try --qemu-accel tcg`;
      return `the VM printed nothing on its serial console (${this.files.serialLog}); ${advice}`;
    }
    return `last lines of the serial console (${this.files.serialLog}):\n${tail}`;
  }

  /** The key the core generated for this machine (the descriptor says the core always makes one). */
  private sshKeyPath(): string {
    if (!this.env.sshKeyPath) throw new OperationError('QEMU_NO_KEY', `machine "${this.env.machineName}" has no SSH key from the core`);
    return this.env.sshKeyPath;
  }

  private async launch(): Promise<number> {
    const { sshPort, enginePort } = this.facts;
    if (sshPort === undefined || enginePort === undefined) throw new OperationError('QEMU_NO_PORTS', `machine "${this.env.machineName}" has no ports recorded`);
    const accel = this.facts.accel ?? resolveAccel(this.config.accel, await this.hostFacts(this.binary));
    await this.clearRuntime();
    const daemonize = process.platform !== 'win32';
    const args = buildQemuArgs({
      machineName: this.env.machineName,
      arch: process.arch,
      accel,
      cpus: this.config.cpus,
      memoryMb: this.config.memoryMb,
      diskPath: this.files.disk,
      seedPath: this.files.seed,
      ...(this.config.kernel ? { kernel: this.config.kernel } : {}),
      ...(this.config.initrd ? { initrd: this.config.initrd } : {}),
      ...(this.config.append ? { append: this.config.append } : {}),
      sshPort,
      enginePort,
      guestEnginePort: GUEST_ENGINE_PORT,
      pidfile: this.files.pidfile,
      qmpSocket: this.files.qmpSocket,
      serialLog: this.files.serialLog,
      ...(this.facts.network ? { clusterNic: { group: this.facts.network.group, port: this.facts.network.port, mac: clusterMacFor(this.env.machineName) } } : {}),
      daemonize,
    });
    const { pid } = await launchQemu(this.binary, args, { daemonize, pidfile: this.files.pidfile, cwd: this.env.machineDir });
    const startTime = (await procStat(pid))?.startTime;
    const identity: ProcessIdentity = { pid, ...(startTime ? { startTime } : {}) };
    await fs.writeFile(this.files.identity, `${JSON.stringify(identity)}\n`, { mode: 0o600 });
    return pid;
  }

  /** The running QEMU of this machine, or undefined when there is none (whatever the pidfile says). */
  private async runningIdentity(): Promise<ProcessIdentity | undefined> {
    const pid = await readPidfile(this.files.pidfile);
    if (pid === undefined) return undefined;
    const recorded = await readIdentity(this.files.identity);
    const identity: ProcessIdentity = recorded?.pid === pid ? recorded : { pid };
    return (await isOurProcess(identity, this.env.machineDir)) ? identity : undefined;
  }

  private async forceStop(identity: ProcessIdentity): Promise<void> {
    signal(identity.pid, 'SIGKILL');
    if (!(await waitForExit(identity, this.env.machineDir, 10_000))) {
      throw new OperationError('QEMU_KILL', `QEMU (pid ${identity.pid}) did not exit after SIGKILL`);
    }
  }

  private clearRuntime(): Promise<void> {
    return removeFiles(runtimeFiles(this.files));
  }

  private async remember(ctx: CreateContext, facts: QemuFacts): Promise<void> {
    Object.assign(this.facts, facts);
    await ctx.remember({ ...facts });
  }
}

function factsFrom(state: Record<string, unknown>): QemuFacts {
  const facts: QemuFacts = {};
  if (typeof state.sshPort === 'number') facts.sshPort = state.sshPort;
  if (typeof state.enginePort === 'number') facts.enginePort = state.enginePort;
  if (typeof state.imageSha256 === 'string') facts.imageSha256 = state.imageSha256;
  if (typeof state[PROVISIONED_IMAGE_STATE] === 'string') facts.provisionedImage = state[PROVISIONED_IMAGE_STATE];
  const network = networkFrom(state.network);
  if (network) facts.network = network;
  if (typeof state.accel === 'string' && ['kvm', 'hvf', 'whpx', 'tcg'].includes(state.accel)) facts.accel = state.accel as Accelerator;
  return facts;
}

function networkFrom(value: unknown): QemuFacts['network'] {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.name !== 'string' || typeof v.group !== 'string' || typeof v.port !== 'number' || typeof v.subnetPrefix !== 'string' || typeof v.address !== 'string') return undefined;
  return { name: v.name, group: v.group, port: v.port, subnetPrefix: v.subnetPrefix, address: v.address };
}

async function readIdentity(file: string): Promise<ProcessIdentity | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as { pid?: unknown; startTime?: unknown };
    if (typeof parsed.pid !== 'number') return undefined;
    return { pid: parsed.pid, ...(typeof parsed.startTime === 'string' ? { startTime: parsed.startTime } : {}) };
  } catch {
    return undefined;
  }
}

function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

