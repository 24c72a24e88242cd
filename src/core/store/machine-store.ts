import { constants, promises as fs } from 'node:fs';
import { MachineExistsError, MachineNotFoundError, UsageError, errorMessage } from '../errors';
import { writeFileAtomic } from '../fs-atomic';
import { MachineRecord, NAME_PATTERN, RECORD_SCHEMA_VERSION } from '../machine-record';
import { StoreLayout } from '../store-layout';
import { migrateRecord, recordInvalid } from './migrate';
import { type EntryKind, assertNoLinksBelow, ensureStoreDir, entryKind, errorCode, readFileNoFollow, symlinkRefused } from './no-follow';
import { writingStore } from './not-writable';
import { tightenStorePermissions } from './permissions';

/** One entry of machines/: a machine whose record reads, or something there that is not one, and why. */
export type StoreEntry = { name: string; record: MachineRecord } | { name: string; problem: string; driver?: string };

export interface MachineStoreOptions {
  /** Where the store's warnings go (a folder open to others). Default: stderr. */
  warn?: (message: string) => void;
}

/**
 * The machines in the store: one folder per machine holding config.json (0600, atomic writes).
 * A machine exists exactly when its folder has a config.json; `reserve` creates both under the store
 * lock so two processes can never make two machines with one name. No link below the root is
 * followed, and every record is checked against its schema as it is read.
 */
export class MachineStore {
  private checked?: Promise<void>;
  private readonly warn: (message: string) => void;

  constructor(
    readonly layout: StoreLayout,
    options: MachineStoreOptions = {},
  ) {
    this.warn = options.warn ?? ((message) => process.stderr.write(`Warning: ${message}\n`));
  }

  /** The names `entries` lists (machines, broken records and stray entries alike), sorted. */
  async names(): Promise<string[]> {
    return (await this.entries()).map((e) => e.name);
  }

  /**
   * Every entry of machines/ that is a machine or claims to be one: valid records, and beside them
   * whatever is broken (a record that does not read, a link, a stray file or a folder whose name is
   * no machine's) with the reason. A folder with a valid name and no config.json is debris of an
   * interrupted remove: not a machine, not listed (`rm NAME` still clears it).
   */
  async entries(): Promise<StoreEntry[]> {
    const names = await this.entryNames();
    const entries = await Promise.all(names.map((name) => this.entryAt(name)));
    return entries.filter((e): e is StoreEntry => e !== undefined);
  }

  /** The raw names under machines/ (no dot files: temp files and the like). */
  async entryNames(): Promise<string[]> {
    await this.checkOnce();
    await assertNoLinksBelow(this.layout.root, this.layout.machinesDir);
    let names: string[];
    try {
      names = await fs.readdir(this.layout.machinesDir);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return [];
      throw err;
    }
    return names.filter((n) => !n.startsWith('.')).sort();
  }

  /**
   * The entry `name` of machines/ as `entries` reports it; undefined for nothing there, or debris.
   * Only names listed in machines/ are looked at, so no name can reach outside it.
   */
  async entry(name: string): Promise<StoreEntry | undefined> {
    return (await this.hasEntry(name)) ? this.entryAt(name) : undefined;
  }

  private async entryAt(name: string): Promise<StoreEntry | undefined> {
    const dir = this.layout.machineDir(name);
    const kind = await entryKind(dir);
    if (kind === 'missing') return undefined;
    if (kind === 'symlink') return { name, problem: `${dir} is a symbolic link; machine does not follow links inside its store` };
    if (kind !== 'directory') return { name, problem: `${dir} is not a folder` };
    if (!isValidName(name)) return { name, problem: `"${name}" is not a valid machine name, so this folder is no machine's` };
    try {
      return { name, record: await this.load(name) };
    } catch (err) {
      if (err instanceof MachineNotFoundError) return undefined;
      return { name, problem: errorMessage(err), ...(await this.claimedDriver(name)) };
    }
  }

  /** The driver a broken record names, if it names one: shown beside the problem. */
  private async claimedDriver(name: string): Promise<{ driver?: string }> {
    const raw = await this.loadRaw(name).catch(() => undefined);
    const driver = typeof raw === 'object' && raw !== null ? (raw as { driver?: unknown }).driver : undefined;
    return typeof driver === 'string' ? { driver } : {};
  }

  async exists(name: string): Promise<boolean> {
    return (await entryKind(this.layout.machineFile(name, 'config.json'))) !== 'missing';
  }

  async load(name: string): Promise<MachineRecord> {
    validateName(name);
    const raw = await this.loadRaw(name);
    return migrateRecord(raw, name);
  }

  /** config.json as parsed JSON, unchecked: for what can still be done with a record that fails its schema. */
  async loadRaw(name: string): Promise<unknown> {
    await this.checkOnce();
    const file = this.layout.machineFile(name, 'config.json');
    let text: string;
    try {
      await assertNoLinksBelow(this.layout.root, this.layout.machineDir(name));
      text = (await readFileNoFollow(file)).toString('utf8');
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ENOENT') throw new MachineNotFoundError(name);
      // A file system's refusal (EACCES, EISDIR, EIO...) is the record's problem; anything else is ours.
      if (code !== undefined && /^E[A-Z]+$/.test(code)) throw recordInvalid(name, `config.json cannot be read: ${errorMessage(err)}`);
      throw err;
    }
    if (text.trim() === '') throw recordInvalid(name, 'config.json is empty');
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw recordInvalid(name, `config.json is not valid JSON (${errorMessage(err)})`);
    }
  }

  async save(record: MachineRecord): Promise<void> {
    const body = JSON.stringify({ ...record, schemaVersion: RECORD_SCHEMA_VERSION }, null, 2) + '\n';
    await writingStore(this.layout.root, async () => {
      await ensureStoreDir(this.layout.root, this.layout.machineDir(record.name));
      await writeFileAtomic(this.layout.machineFile(record.name, 'config.json'), body, 0o600);
    });
  }

  /** Creates the machine's folder and first record; the caller holds the store lock. */
  async reserve(record: MachineRecord): Promise<void> {
    validateName(record.name);
    await assertNoLinksBelow(this.layout.root, this.layout.machineDir(record.name));
    if (await this.exists(record.name)) throw new MachineExistsError(record.name);
    // Debris from an interrupted remove must not leak old keys into the new machine.
    await fs.rm(this.layout.machineDir(record.name), { recursive: true, force: true });
    await this.save(record);
  }

  /** Applies `change` to the stored record and saves it; returns the saved record. */
  async update(name: string, change: (record: MachineRecord) => void): Promise<MachineRecord> {
    const record = await this.load(name);
    change(record);
    await this.save(record);
    return record;
  }

  /**
   * Removes the entry `name` of machines/, whatever it is: a machine's folder, debris, a stray file,
   * or a link (the link itself, never what it points at). Names that are not an entry of machines/
   * (a path, "..") are refused, so nothing outside it can be named.
   */
  async remove(name: string): Promise<void> {
    if (!(await this.entryNames()).includes(name)) {
      validateName(name);
      return;
    }
    const dir = this.layout.machineDir(name);
    const kind = await entryKind(dir);
    await writingStore(this.layout.root, async () => {
      if (kind !== 'directory') return fs.rm(dir, { force: true });
      // Remove config.json first: from then on the machine no longer exists, even if the rest lingers.
      // fs.rm unlinks links it meets (it never descends into them), so nothing outside the folder goes.
      await fs.rm(this.layout.machineFile(name, 'config.json'), { recursive: true, force: true });
      await fs.rm(dir, { recursive: true, force: true });
    });
  }

  /** What machines/NAME is, without following a link there. */
  async entryKindOf(name: string): Promise<EntryKind> {
    return entryKind(this.layout.machineDir(name));
  }

  /** Fails with the file system's reason (a read-only mount) before a command starts changing things. */
  async assertWritable(): Promise<void> {
    await writingStore(this.layout.root, () => fs.access(this.layout.machinesDir, constants.W_OK));
  }

  /** Whether machines/ has an entry of this exact name (valid machine name or not). */
  async hasEntry(name: string): Promise<boolean> {
    return (await this.entryNames()).includes(name);
  }

  private checkOnce(): Promise<void> {
    this.checked ??= this.checkRoot();
    return this.checked;
  }

  private async checkRoot(): Promise<void> {
    for (const dir of [this.layout.machinesDir, this.layout.certsDir]) {
      if ((await entryKind(dir)) === 'symlink') throw symlinkRefused(dir);
    }
    await tightenStorePermissions(this.layout, this.warn);
  }
}

export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name) && name.length <= 63;
}

export function validateName(name: string): void {
  if (!isValidName(name)) {
    throw new UsageError(`invalid machine name "${name}": use letters, digits, "." and "-", starting with a letter or digit (at most 63)`);
  }
}
