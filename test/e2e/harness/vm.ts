/**
 * Real Debian bookworm VMs for end-to-end tests, booted by QEMU under TCG from the cached images that
 * test/e2e/vm/image.sh builds.
 *
 * Networking is QEMU user networking (slirp): the guest is 10.0.2.15, and the host's own 127.0.0.1:PORT
 * is reachable from inside the guest as 10.0.2.2:PORT (that is how a guest reaches a server a test
 * starts on the host, such as the apt repository from apt-repo.ts). From the host, the guest is reached
 * only through the forwarded ports on 127.0.0.1: SSH on `sshPort`, and each of `forwardPorts` 1:1.
 *
 * Readiness: the image orders sshd after cloud-init's network stage (see build-image.sh), which is where
 * cloud-init creates the user and installs its key, so an SSH banner already implies the user exists.
 * When `privateKey` is given, bootVm also waits for a real key login, which proves it end to end.
 *
 * startVm is the lower level under bootVm: it starts QEMU on a given disk with given forwards (any host
 * address, e.g. 127.77.0.10:22) and returns at once, without waiting for the guest. Callers that model
 * machines with their own lifecycle (the fake EC2) use it to stop, restart and reset the same disk.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateEd25519OpenSsh } from '../../../src/ssh/openssh-key';
import { readIfExists } from '../../../src/util/read-if-exists';
import { retry } from '../../../src/util/retry';
import { runProcess } from '../../../src/util/run-process';
import { pollUntil } from '../../../src/util/wait';
import { vmScriptsDir } from './cache-dir';
import { trackChild, trackScratchDir } from './child-reaper';
import { writeSeedIso, type StaticNic } from './cloud-init-seed';
import { findFreePorts } from './free-port';
import { canLogIn, readSshBanner } from './ssh-wait';

export type ImageVariant = 'base' | 'engine';

/** A second NIC on a multicast socket network shared by several VMs on this machine (no DHCP there). */
export interface ExtraNic {
  /** Multicast group and port shared by all VMs on this network, e.g. `230.0.0.1:1234`. */
  mcast: string;
  /** Unique per VM, e.g. `52:54:00:00:76:11`. */
  mac: string;
  /** Static address in CIDR form, e.g. `192.168.76.11/24`. */
  address: string;
}

export interface BootVmOptions {
  variant: ImageVariant;
  /** Becomes the guest hostname; letters, digits and dashes. */
  name: string;
  /** Login user created by cloud-init. Default `admin`. */
  user?: string;
  /** Passwordless sudo for the user. Default true. */
  sudo?: boolean;
  /** OpenSSH public key line installed for the user. */
  authorizedKey: string;
  /** When given, boot is "done" only once this key logs in. */
  privateKey?: string;
  /** Host ports on 127.0.0.1 forwarded to the same port number in the guest. */
  forwardPorts?: number[];
  /** Default 1024. */
  memoryMb?: number;
  extraNic?: ExtraNic;
  /** Default 180 s. */
  bootTimeoutMs?: number;
}

export interface TestVm {
  name: string;
  user: string;
  host: '127.0.0.1';
  sshPort: number;
  /** The host ports forwarded 1:1 into the guest (what was asked in forwardPorts). */
  forwarded: number[];
  serialLogPath: string;
  workDir: string;
  imageDir: string;
  /** Milliseconds from starting QEMU to the VM being ready. */
  bootMs: number;
  /** Kills QEMU and deletes the overlay, seed and serial log (the log is kept if MACHINE_TEST_KEEP_VM_LOGS=1). */
  stop(): Promise<void>;
}

export interface ImageManifest {
  kernel: string;
  initrd: string;
  disk: string;
  append: string;
}

const DEFAULT_BOOT_TIMEOUT_MS = 180_000;
const PRIMARY_NIC_MAC = '52:54:00:12:34:56';
const SERIAL_TAIL_LINES = 40;
const POLL_INTERVAL_MS = 1_000;
/** Starting QEMU is retried when its SSH forward loses the race for the port we picked. */
const PORT_RACE_ATTEMPTS = 3;
const IMAGE_BUILD_TIMEOUT_MS = 45 * 60_000;

/** Path of the ready image directory for `variant`, building it (minutes, needs root) if the cache lacks it. */
export async function ensureImage(variant: ImageVariant): Promise<string> {
  // A cached image is found in a moment; a build (debootstrap and a first boot) takes minutes and shows its progress on our stderr.
  const { stdout } = await runProcess('bash', [path.join(vmScriptsDir, 'image.sh'), variant], { stderr: 'inherit', timeoutMs: IMAGE_BUILD_TIMEOUT_MS });
  const lines = stdout.trim().split('\n');
  const dir = lines[lines.length - 1];
  if (!dir || !existsSync(path.join(dir, 'manifest.json'))) throw new Error(`image.sh ${variant} printed no image directory: ${stdout}`);
  return dir;
}

/** A fresh ed25519 key pair in OpenSSH format, for one test run. */
export function generateTestKeyPair(): { privateKey: string; publicKey: string } {
  // Not ssh2's generator: it drops a leading zero byte of the public key about once in 256 keys.
  return generateEd25519OpenSsh('machine-test');
}

async function readManifest(imageDir: string): Promise<ImageManifest> {
  const parsed: unknown = JSON.parse(await fs.readFile(path.join(imageDir, 'manifest.json'), 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`bad manifest in ${imageDir}`);
  const record = parsed as Record<string, unknown>;
  const field = (key: keyof ImageManifest): string => {
    const value = record[key];
    if (typeof value !== 'string') throw new Error(`manifest in ${imageDir} lacks "${key}"`);
    return value;
  };
  return { kernel: field('kernel'), initrd: field('initrd'), disk: field('disk'), append: field('append') };
}

async function serialTail(serialLogPath: string): Promise<string> {
  const text = (await readIfExists(serialLogPath)) ?? '';
  return text.split('\n').slice(-SERIAL_TAIL_LINES).join('\n');
}

export interface GuestQemuOptions {
  manifest: ImageManifest;
  imageDir: string;
  overlayPath: string;
  /** The disk's format; default qcow2 (the Hyper-V emulator boots the VHDX the driver made). */
  diskFormat?: 'qcow2' | 'vhdx';
  seedPath: string;
  serialLogPath: string;
  /** QEMU user-network forwards, e.g. `hostfwd=tcp:127.0.0.1:2222-:22`. */
  forwards: string[];
  memoryMb: number;
  extraNic?: ExtraNic;
  /** A QMP socket to ask the guest to power down (the ACPI power button). */
  qmpSocket?: string;
  /** Default true: a guest reboot ends QEMU (see -no-reboot below). False: the guest reboots as real hardware does. */
  exitOnReboot?: boolean;
}

/** `hostfwd` rules: each host address and port to the same port in the guest. */
export function hostForwards(address: string, ports: Array<{ host: number; guest: number }>): string[] {
  return ports.map(({ host, guest }) => `hostfwd=tcp:${address}:${host}-:${guest}`);
}

function guestQemuArgs(options: GuestQemuOptions): string[] {
  const forwards = options.forwards;
  const args = [
    '-accel', 'tcg', // nested KVM hangs on this host at kernel start
    '-machine', 'q35',
    '-cpu', 'max',
    // Two vCPUs: TCG runs each on its own host thread, and a booting guest has parallel work (udev, cloud-init,
    // journald) that one vCPU would serialise; boots finish about a third sooner on a 2-core host.
    '-smp', '2',
    '-m', String(options.memoryMb),
    '-nographic',
    '-monitor', 'none',
    '-serial', `file:${options.serialLogPath}`,
    '-kernel', path.join(options.imageDir, options.manifest.kernel),
    '-initrd', path.join(options.imageDir, options.manifest.initrd),
    '-append', options.manifest.append,
    '-drive', `file=${options.overlayPath},if=virtio,format=${options.diskFormat ?? 'qcow2'}`,
    '-drive', `file=${options.seedPath},if=virtio,format=raw,readonly=on`,
    '-netdev', `user,id=net0,${forwards.join(',')}`,
    '-device', `virtio-net-pci,netdev=net0,mac=${PRIMARY_NIC_MAC}`,
  ];
  // A kernel panic ends QEMU instead of rebooting forever, so the harness sees it at once. It also turns
  // every reboot (and QMP system_reset) into an exit, which is why a modelled machine can opt out.
  if (options.exitOnReboot ?? true) args.push('-no-reboot');
  if (options.qmpSocket) args.push('-qmp', `unix:${options.qmpSocket},server=on,wait=off`);
  if (options.extraNic) {
    // localaddr keeps the multicast frames on this machine's loopback instead of the LAN.
    args.push('-netdev', `socket,id=net1,mcast=${options.extraNic.mcast},localaddr=127.0.0.1`, '-device', `virtio-net-pci,netdev=net1,mac=${options.extraNic.mac}`);
  }
  return args;
}

/**
 * Starts QEMU so that it also dies with this process: setpriv's parent-death signal covers the cases the
 * exit hook cannot (the test runner being SIGKILLed). QEMU here is the VM itself and runs for the whole
 * test, stopped, reset and watched through its ChildProcess, so it is spawned directly: runProcess is for
 * programs whose end is the answer.
 */
function spawnQemu(args: string[]): ChildProcess {
  const command = existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : 'qemu-system-x86_64';
  const fullArgs = command === '/usr/bin/setpriv' ? ['--pdeathsig', 'KILL', '--', 'qemu-system-x86_64', ...args] : args;
  return spawn(command, fullArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function killQemu(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await waitForExit(child, 5_000))) {
    child.kill('SIGKILL');
    await waitForExit(child, 5_000);
  }
}

/** QEMU exited right at start; `forwardTaken` when one of its host forwards could not bind its address and port. */
export class VmStartError extends Error {
  constructor(
    message: string,
    readonly forwardTaken: boolean,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'VmStartError';
  }
}

export interface StartVmOptions {
  variant: ImageVariant;
  /** The image directory ensureImage(variant) gave, when the caller already has it. */
  imageDir?: string;
  /** The VM's qcow2 disk over the cached image: created when missing, booted as it is when present (so a restart keeps the guest's files). */
  overlayPath: string;
  /** The format of an existing disk at overlayPath; default qcow2. */
  diskFormat?: 'qcow2' | 'vhdx';
  /** Virtual size in GiB of an overlay created here; default the image's own size, which it must not be below (the guest's filesystem would be cut). */
  diskSizeGb?: number;
  seedPath: string;
  /** QEMU truncates it at start: it holds the console of this boot only. */
  serialLogPath: string;
  /** `hostfwd` rules, e.g. from hostForwards(); the address may be any local one, not only 127.0.0.1. */
  forwards: string[];
  /** Default 1024. */
  memoryMb?: number;
  extraNic?: ExtraNic;
  /** Needed for powerdown() to be graceful and for reset(). Unix socket paths are limited to 107 bytes. */
  qmpSocket?: string;
  /** Default true; see GuestQemuOptions. */
  exitOnReboot?: boolean;
}

/** A started QEMU. Nothing here waits for the guest to boot. */
export interface VmProcess {
  child: ChildProcess;
  serialLogPath: string;
  overlayPath: string;
  /** Resolves once QEMU has exited, whatever the cause. */
  exited: Promise<void>;
  isRunning(): boolean;
  /** What QEMU wrote to stderr so far. */
  stderr(): string;
  /** The ACPI power button (needs qmpSocket); kills QEMU if the guest is not off after timeoutMs. True when the guest powered off by itself. */
  powerdown(timeoutMs: number): Promise<boolean>;
  /** A hard reset through QMP. With exitOnReboot (the default) QEMU exits instead of rebooting. */
  reset(): Promise<void>;
  kill(): Promise<void>;
}

const QMP_TIMEOUT_MS = 5_000;

/**
 * Runs one QMP command: read the greeting, negotiate capabilities, send the command, wait for its answer.
 * Asynchronous events may arrive between answers and are skipped.
 */
export function qmpExecute(socketPath: string, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    let buffer = '';
    let step: 'greeting' | 'capabilities' | 'command' = 'greeting';
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`QMP ${command}: no answer within ${QMP_TIMEOUT_MS} ms`)), QMP_TIMEOUT_MS);
    socket.on('error', (error) => finish(new Error(`QMP ${command}: ${error.message}`)));
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line === '') continue;
        const message = JSON.parse(line) as { QMP?: unknown; return?: unknown; error?: { desc?: string }; event?: string };
        if (message.event !== undefined) continue;
        if (message.error) return finish(new Error(`QMP ${command}: ${message.error.desc ?? JSON.stringify(message.error)}`));
        if (step === 'greeting') {
          step = 'capabilities';
          socket.write('{"execute":"qmp_capabilities"}\n');
        } else if (step === 'capabilities') {
          step = 'command';
          socket.write(`${JSON.stringify({ execute: command })}\n`);
        } else {
          return finish();
        }
      }
    });
  });
}

/** A new overlay on the image's disk; the cached image itself is never written. */
async function createOverlay(imageDir: string, manifest: ImageManifest, overlayPath: string, sizeGb: number | undefined): Promise<void> {
  const size = sizeGb === undefined ? [] : [`${sizeGb}G`];
  await runProcess('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', path.join(imageDir, manifest.disk), overlayPath, ...size], { timeoutMs: 60_000 });
}

/**
 * Starts QEMU and returns once it runs (QEMU fails within a second or so when a forward cannot bind, and
 * that becomes a VmStartError). The child is registered with the child reaper and the setpriv parent-death
 * signal, so it cannot outlive the test process; the caller owns the files.
 */
export async function startVm(options: StartVmOptions): Promise<VmProcess> {
  const imageDir = options.imageDir ?? (await ensureImage(options.variant));
  const manifest = await readManifest(imageDir);
  if (!existsSync(options.overlayPath)) await createOverlay(imageDir, manifest, options.overlayPath, options.diskSizeGb);
  // A stale socket file from an earlier boot would make QEMU fail to bind.
  if (options.qmpSocket) await fs.rm(options.qmpSocket, { force: true });
  const child = spawnQemu(
    guestQemuArgs({
      manifest,
      imageDir,
      overlayPath: options.overlayPath,
      ...(options.diskFormat ? { diskFormat: options.diskFormat } : {}),
      seedPath: options.seedPath,
      serialLogPath: options.serialLogPath,
      forwards: options.forwards,
      memoryMb: options.memoryMb ?? 1024,
      ...(options.extraNic ? { extraNic: options.extraNic } : {}),
      ...(options.qmpSocket ? { qmpSocket: options.qmpSocket } : {}),
      ...(options.exitOnReboot !== undefined ? { exitOnReboot: options.exitOnReboot } : {}),
    }),
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const forget = trackChild(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(forget);
  if (await waitForExit(child, 1_500)) {
    forget();
    const forwardTaken = /could not set up host forwarding rule/i.test(stderr);
    throw new VmStartError(`qemu-system-x86_64 exited at start (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`, forwardTaken, stderr);
  }
  const isRunning = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    child,
    serialLogPath: options.serialLogPath,
    overlayPath: options.overlayPath,
    exited,
    isRunning,
    stderr: () => stderr,
    async powerdown(timeoutMs: number): Promise<boolean> {
      if (!isRunning()) return true;
      // Without a QMP socket (or when QEMU no longer answers) there is no button to press: the timeout decides.
      if (options.qmpSocket) await qmpExecute(options.qmpSocket, 'system_powerdown').catch(() => undefined);
      if (await waitForExit(child, timeoutMs)) return true;
      await killQemu(child);
      return false;
    },
    async reset(): Promise<void> {
      if (!options.qmpSocket) throw new Error('reset() needs a QMP socket (startVm option qmpSocket)');
      await qmpExecute(options.qmpSocket, 'system_reset');
    },
    kill: () => killQemu(child),
  };
}

/** Starts QEMU on a free SSH port, retrying at once (on a new port) when another process grabbed that port first. */
async function startOnFreeSshPort(start: (sshPort: number) => Promise<VmProcess>): Promise<{ vm: VmProcess; sshPort: number }> {
  return retry(
    async () => {
      const [sshPort] = await findFreePorts(1);
      if (sshPort === undefined) throw new Error('no free port');
      return { vm: await start(sshPort), sshPort };
    },
    { delaysMs: new Array<number>(PORT_RACE_ATTEMPTS - 1).fill(0), shouldRetry: (error) => error instanceof VmStartError && error.forwardTaken },
  );
}

async function waitUntilReady(vm: { sshPort: number; user: string; serialLogPath: string }, running: VmProcess, privateKey: string | undefined, timeoutMs: number): Promise<void> {
  let bannerSeen = false;
  const ready = await pollUntil(
    async () => {
      if (!running.isRunning()) {
        throw new Error(`QEMU exited during boot (${running.child.exitCode ?? running.child.signalCode}): ${running.stderr().trim()}\n--- serial log tail (${vm.serialLogPath}) ---\n${await serialTail(vm.serialLogPath)}`);
      }
      if (!bannerSeen) bannerSeen = (await readSshBanner('127.0.0.1', vm.sshPort, 5_000)) !== null;
      return bannerSeen && (privateKey === undefined || (await canLogIn('127.0.0.1', vm.sshPort, vm.user, privateKey, 15_000))) ? true : undefined;
    },
    { timeoutMs, intervalMs: POLL_INTERVAL_MS },
  );
  if (ready) return;
  const waitingFor = bannerSeen ? `a login as ${vm.user}` : 'an SSH banner';
  throw new Error(`VM not ready after ${Math.round(timeoutMs / 1000)} s (waiting for ${waitingFor} on 127.0.0.1:${vm.sshPort})\n--- serial log tail (${vm.serialLogPath}) ---\n${await serialTail(vm.serialLogPath)}`);
}

function validateName(name: string): void {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$/.test(name)) throw new Error(`VM name must be a hostname label: ${name}`);
}

/** Boots a VM from the cached image on a throwaway overlay; the cached image itself is never written. */
export async function bootVm(options: BootVmOptions): Promise<TestVm> {
  validateName(options.name);
  const user = options.user ?? 'admin';
  const imageDir = await ensureImage(options.variant);
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), `machine-vm-${options.name}-`));
  const overlayPath = path.join(workDir, 'overlay.qcow2');
  const serialLogPath = path.join(workDir, 'serial.log');
  const forwardPorts = options.forwardPorts ?? [];
  let running: VmProcess | undefined;
  // The exit hook deletes the folder if the test process ends before stop(); QEMU itself is tracked by startVm.
  const forget = trackScratchDir(workDir);
  try {
    const staticNic: StaticNic | undefined = options.extraNic ? { mac: options.extraNic.mac, address: options.extraNic.address } : undefined;
    const seedPath = await writeSeedIso(workDir, {
      instanceId: `${options.name}-${path.basename(workDir)}`,
      hostname: options.name,
      user,
      authorizedKey: options.authorizedKey,
      passwordlessSudo: options.sudo ?? true,
      ...(staticNic ? { staticNic } : {}),
    });
    const startedAt = Date.now();
    const started = await startOnFreeSshPort((sshPort) =>
      startVm({
        variant: options.variant,
        imageDir,
        overlayPath,
        seedPath,
        serialLogPath,
        forwards: hostForwards('127.0.0.1', [{ host: sshPort, guest: 22 }, ...forwardPorts.map((port) => ({ host: port, guest: port }))]),
        memoryMb: options.memoryMb ?? 1024,
        ...(options.extraNic ? { extraNic: options.extraNic } : {}),
      }),
    );
    running = started.vm;
    const vm = started.vm;
    await waitUntilReady({ sshPort: started.sshPort, user, serialLogPath }, vm, options.privateKey, options.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS);
    const bootMs = Date.now() - startedAt;
    let stopped = false;
    return {
      name: options.name,
      user,
      host: '127.0.0.1',
      sshPort: started.sshPort,
      forwarded: [...forwardPorts],
      serialLogPath,
      workDir,
      imageDir,
      bootMs,
      async stop() {
        if (stopped) return;
        stopped = true;
        await vm.kill();
        forget();
        await removeWorkDir(workDir);
      },
    };
  } catch (error) {
    if (running) await running.kill();
    forget();
    await removeWorkDir(workDir);
    throw error;
  }
}

async function removeWorkDir(workDir: string): Promise<void> {
  if (process.env.MACHINE_TEST_KEEP_VM_LOGS === '1') {
    // Keep the serial log for a post-mortem; the overlay is the big part and goes anyway.
    await fs.rm(path.join(workDir, 'overlay.qcow2'), { force: true });
    return;
  }
  await fs.rm(workDir, { recursive: true, force: true });
}
