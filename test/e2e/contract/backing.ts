import type { StoredDriverConfig } from '../../../src/services/driver-registry';
import type { InstalledPlugin } from '../../../src/services/plugin-drivers';
import type { MachineState, ResourceRecord } from '../../../src/core/machine-record';

/**
 * What the driver contract suite needs from the real (or local) thing a driver drives: a test VM for
 * generic, QEMU itself for qemu, the local EC2 endpoint for amazonec2. One module per driver; a new
 * driver brings its own and joins the suite's list.
 */

/** One machine as the backing sees it: the backing finds what exists by these, never by the journal. */
export interface ContractMachine {
  name: string;
  /** Absolute path of STORE/machines/NAME. */
  dir: string;
  storePath: string;
}

/** Something of one machine that exists in the backing right now. */
export interface BackingResource {
  /** For messages: "QEMU process 1234", "key pair machine-c1-0a1b2c3d". */
  description: string;
  /**
   * Journal entries any one of which accounts for it (an entry of that kind, with that id when one is
   * given); empty when nothing the driver journals could.
   */
  journaledAs: Array<{ kind: string; id?: string }>;
}

/**
 * What state() answers for a machine whose resource vanished behind the driver's back: NotFound by
 * the contract, or, for a backing that cannot tell, what it answers instead and why.
 */
export type VanishedAnswer = { state: 'NotFound' } | { state: Exclude<MachineState, 'NotFound'>; cannotTell: string };

export interface ContractBacking {
  /** The registered driver's name. */
  readonly driver: string;
  /**
   * For a driver a plugin brings: the plugin package, as oclif lists it once installed. The suite
   * loads the driver through the core's plugin discovery and loader.
   */
  readonly plugin?: InstalledPlugin;
  /** What a vanished machine's state() answers; see VanishedAnswer. */
  readonly vanished: VanishedAnswer;
  /**
   * Operations of the backing that it can make fail once (an API call refused), in the order create
   * asks for them; empty where the backing has no such switch.
   */
  readonly refusals: readonly string[];
  /** The next call of `operation` (one of `refusals`) fails as the real backing can fail it. */
  refuseNext(operation: string): void;
  /** Drops a refusal that no call used up. */
  stopRefusing(): void;
  /** Boots or starts what the driver runs against, once for the whole suite of this driver. */
  setUp(storePath: string): Promise<void>;
  /** The stored config (as `create` would persist it) of a new machine with this name. */
  configFor(machineName: string): StoredDriverConfig;
  /** Variables the driver reads from the process environment (an SDK's credentials), set while its suite runs. */
  processEnv(): Record<string, string>;
  /** Everything of this machine that still exists in the backing, found without reading its journal. */
  leftovers(machine: ContractMachine): Promise<BackingResource[]>;
  /** Deletes the machine's resource behind the driver's back and returns once it is gone. */
  vanish(machine: ContractMachine): Promise<void>;
  tearDown(): Promise<void>;
}

export function isJournaled(resource: BackingResource, journal: readonly ResourceRecord[]): boolean {
  return resource.journaledAs.some((wanted) => journal.some((entry) => entry.kind === wanted.kind && (wanted.id === undefined || entry.id === wanted.id)));
}
