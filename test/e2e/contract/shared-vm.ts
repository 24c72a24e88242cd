import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findFreePorts } from '../harness/free-port';
import { type TestVm, bootVm, generateTestKeyPair } from '../harness/vm';

/**
 * One Debian VM (the engine image, so docker is already there) shared by the parts of the contract
 * file that need a host that already answers SSH: the sample plugin driver's contract, the sample
 * driver through the CLI, then the generic driver's contract, in that order. Booting a VM under TCG
 * costs minutes; sharing it keeps the file within its budget.
 *
 * Each part names itself when it takes the VM and when it is done with it; the VM stops once every
 * part declared in `users` is done. The generic contract's "vanished" test stops it sooner, which is
 * why generic comes last. A part left out by a filter never says it is done: then QEMU ends with the
 * test process (the harness's child reaper).
 */
export interface SharedHost {
  vm: TestVm;
  /** The private key file that logs in as `vm.user`. */
  keyFile: string;
  /** A port forwarded 1:1 from 127.0.0.1 into the guest, for an engine a test provisions there. */
  enginePort: number;
}

export class SharedVm {
  private booting: Promise<SharedHost> | undefined;
  private readonly pending: Set<string>;

  constructor(
    private readonly vmName: string,
    users: readonly string[],
  ) {
    this.pending = new Set(users);
  }

  /** The VM, booted by the first part that asks. */
  take(user: string): Promise<SharedHost> {
    if (!this.pending.has(user)) throw new Error(`${user} is not a declared user of the shared VM ${this.vmName}`);
    this.booting ??= this.boot();
    return this.booting;
  }

  /** `user` is done with the VM; the last one stops it and deletes its key. */
  async done(user: string): Promise<void> {
    this.pending.delete(user);
    if (this.pending.size > 0 || !this.booting) return;
    const host = await this.booting.catch(() => undefined);
    await host?.vm.stop();
    if (host) await fs.rm(host.keyFile, { force: true });
  }

  private async boot(): Promise<SharedHost> {
    const keys = generateTestKeyPair();
    const keyFile = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'machine-shared-vm-')), 'id_ed25519');
    await fs.writeFile(keyFile, keys.privateKey, { mode: 0o600 });
    const [enginePort] = await findFreePorts(1);
    const vm = await bootVm({ variant: 'engine', name: this.vmName, authorizedKey: keys.publicKey, privateKey: keys.privateKey, forwardPorts: [enginePort] });
    return { vm, keyFile, enginePort };
  }
}

/** The users of the contract file's shared VM, in the order the file runs them. */
export const SAMPLE_CONTRACT = 'the sample driver\'s contract';
export const SAMPLE_THROUGH_CLI = 'the sample plugin through the CLI';
export const GENERIC_CONTRACT = 'the generic driver\'s contract';
export const contractVm = new SharedVm('contract-shared', [SAMPLE_CONTRACT, SAMPLE_THROUGH_CLI, GENERIC_CONTRACT]);
