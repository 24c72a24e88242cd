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
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateEd25519OpenSsh } from '../../../src/ssh/openssh-key';
import { vmScriptsDir } from './cache-dir';
import { trackChild } from './child-reaper';
import { writeSeedIso, type StaticNic } from './cloud-init-seed';
import { findFreePorts } from './free-port';
import { runCommand } from './run-command';
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

interface ImageManifest {
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

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Path of the ready image directory for `variant`, building it (minutes, needs root) if the cache lacks it. */
export async function ensureImage(variant: ImageVariant): Promise<string> {
  const { stdout } = await runCommand('bash', [path.join(vmScriptsDir, 'image.sh'), variant], { inheritStderr: true });
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
  const text = await fs.readFile(serialLogPath, 'utf8').catch(() => '');
  return text.split('\n').slice(-SERIAL_TAIL_LINES).join('\n');
}

function qemuArgs(options: {
  manifest: ImageManifest;
  imageDir: string;
  overlayPath: string;
  seedPath: string;
  serialLogPath: string;
  sshPort: number;
  forwardPorts: number[];
  memoryMb: number;
  extraNic?: ExtraNic;
}): string[] {
  const forwards = [`hostfwd=tcp:127.0.0.1:${options.sshPort}-:22`, ...options.forwardPorts.map((port) => `hostfwd=tcp:127.0.0.1:${port}-:${port}`)];
  const args = [
    '-accel', 'tcg', // nested KVM hangs on this host at kernel start
    '-machine', 'q35',
    '-cpu', 'max',
    '-smp', '1',
    '-m', String(options.memoryMb),
    '-nographic',
    '-monitor', 'none',
    '-serial', `file:${options.serialLogPath}`,
    // A kernel panic ends QEMU instead of rebooting forever, so the harness sees it at once.
    '-no-reboot',
    '-kernel', path.join(options.imageDir, options.manifest.kernel),
    '-initrd', path.join(options.imageDir, options.manifest.initrd),
    '-append', options.manifest.append,
    '-drive', `file=${options.overlayPath},if=virtio,format=qcow2`,
    '-drive', `file=${options.seedPath},if=virtio,format=raw,readonly=on`,
    '-netdev', `user,id=net0,${forwards.join(',')}`,
    '-device', `virtio-net-pci,netdev=net0,mac=${PRIMARY_NIC_MAC}`,
  ];
  if (options.extraNic) {
    // localaddr keeps the multicast frames on this machine's loopback instead of the LAN.
    args.push('-netdev', `socket,id=net1,mcast=${options.extraNic.mcast},localaddr=127.0.0.1`, '-device', `virtio-net-pci,netdev=net1,mac=${options.extraNic.mac}`);
  }
  return args;
}

/**
 * Starts QEMU so that it also dies with this process: setpriv's parent-death signal covers the cases the
 * exit hook cannot (the test runner being SIGKILLed).
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

interface Running {
  child: ChildProcess;
  sshPort: number;
  stderr: () => string;
}

/** Starts QEMU on a free SSH port, retrying when another process grabbed that port first. */
async function startQemu(build: (sshPort: number) => string[]): Promise<Running> {
  for (let attempt = 1; ; attempt++) {
    const [sshPort] = await findFreePorts(1);
    if (sshPort === undefined) throw new Error('no free port');
    const child = spawnQemu(build(sshPort));
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // QEMU fails fast (well under a second) when a forward cannot bind.
    const exitedEarly = await waitForExit(child, 1_500);
    if (!exitedEarly) return { child, sshPort, stderr: () => stderr };
    const portTaken = /could not set up host forwarding rule/i.test(stderr);
    if (!portTaken || attempt >= PORT_RACE_ATTEMPTS) throw new Error(`qemu-system-x86_64 exited at start (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`);
  }
}

async function waitUntilReady(vm: { sshPort: number; user: string; serialLogPath: string }, running: Running, privateKey: string | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let bannerSeen = false;
  while (Date.now() < deadline) {
    if (running.child.exitCode !== null || running.child.signalCode !== null) {
      throw new Error(`QEMU exited during boot (${running.child.exitCode ?? running.child.signalCode}): ${running.stderr().trim()}\n--- serial log tail (${vm.serialLogPath}) ---\n${await serialTail(vm.serialLogPath)}`);
    }
    if (!bannerSeen) bannerSeen = (await readSshBanner('127.0.0.1', vm.sshPort, 5_000)) !== null;
    if (bannerSeen && (privateKey === undefined || (await canLogIn('127.0.0.1', vm.sshPort, vm.user, privateKey, 15_000)))) return;
    await sleep(POLL_INTERVAL_MS);
  }
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
  const manifest = await readManifest(imageDir);
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), `machine-vm-${options.name}-`));
  const overlayPath = path.join(workDir, 'overlay.qcow2');
  const serialLogPath = path.join(workDir, 'serial.log');
  const forwardPorts = options.forwardPorts ?? [];
  let running: Running | undefined;
  let forget: (() => void) | undefined;
  try {
    await runCommand('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', path.join(imageDir, manifest.disk), overlayPath]);
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
    running = await startQemu((sshPort) =>
      qemuArgs({ manifest, imageDir, overlayPath, seedPath, serialLogPath, sshPort, forwardPorts, memoryMb: options.memoryMb ?? 1024, ...(options.extraNic ? { extraNic: options.extraNic } : {}) }),
    );
    const child = running.child;
    forget = trackChild(child, workDir);
    await waitUntilReady({ sshPort: running.sshPort, user, serialLogPath }, running, options.privateKey, options.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS);
    const bootMs = Date.now() - startedAt;
    const stopForget = forget;
    let stopped = false;
    return {
      name: options.name,
      user,
      host: '127.0.0.1',
      sshPort: running.sshPort,
      forwarded: [...forwardPorts],
      serialLogPath,
      workDir,
      imageDir,
      bootMs,
      async stop() {
        if (stopped) return;
        stopped = true;
        await killQemu(child);
        stopForget();
        await removeWorkDir(workDir);
      },
    };
  } catch (error) {
    if (running) await killQemu(running.child);
    forget?.();
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
