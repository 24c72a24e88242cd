import { promises as fs } from 'node:fs';
import { MachineExistsError, MachineNotFoundError, OperationError, UsageError } from '../errors';
import { writeFileAtomic } from '../fs-atomic';
import { MachineRecord, NAME_PATTERN, RECORD_SCHEMA_VERSION } from '../machine-record';
import { StoreLayout } from '../store-layout';
import { migrateRecord } from './migrate';

/**
 * The machines in the store: one folder per machine holding config.json (0600, atomic writes).
 * A machine exists exactly when its folder has a config.json; `reserve` creates both under the store
 * lock so two processes can never make two machines with one name.
 */
export class MachineStore {
  constructor(readonly layout: StoreLayout) {}

  async names(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await fs.readdir(this.layout.machinesDir);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    const names: string[] = [];
    for (const entry of entries) {
      if (entry.startsWith('.')) continue;
      try {
        await fs.access(this.layout.machineFile(entry, 'config.json'));
        names.push(entry);
      } catch {
        // A folder without config.json is debris from an interrupted remove; it is not a machine.
      }
    }
    return names.sort();
  }

  async exists(name: string): Promise<boolean> {
    try {
      await fs.access(this.layout.machineFile(name, 'config.json'));
      return true;
    } catch {
      return false;
    }
  }

  async load(name: string): Promise<MachineRecord> {
    validateName(name);
    let text: string;
    try {
      text = await fs.readFile(this.layout.machineFile(name, 'config.json'), 'utf8');
    } catch (err) {
      if (isNotFound(err)) throw new MachineNotFoundError(name);
      throw err;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new OperationError('RECORD_CORRUPT', `config.json of machine "${name}" is not valid JSON`, [], err);
    }
    return migrateRecord(raw, name);
  }

  async save(record: MachineRecord): Promise<void> {
    await fs.mkdir(this.layout.machineDir(record.name), { recursive: true, mode: 0o700 });
    const body = JSON.stringify({ ...record, schemaVersion: RECORD_SCHEMA_VERSION }, null, 2) + '\n';
    await writeFileAtomic(this.layout.machineFile(record.name, 'config.json'), body, 0o600);
  }

  /** Creates the machine's folder and first record; the caller holds the store lock. */
  async reserve(record: MachineRecord): Promise<void> {
    validateName(record.name);
    if (await this.exists(record.name)) throw new MachineExistsError(record.name);
    // Debris from an interrupted remove must not leak old keys into the new machine.
    await fs.rm(this.layout.machineDir(record.name), { recursive: true, force: true });
    await fs.mkdir(this.layout.machineDir(record.name), { recursive: true, mode: 0o700 });
    await this.save(record);
  }

  /** Applies `change` to the stored record and saves it; returns the saved record. */
  async update(name: string, change: (record: MachineRecord) => void): Promise<MachineRecord> {
    const record = await this.load(name);
    change(record);
    await this.save(record);
    return record;
  }

  async remove(name: string): Promise<void> {
    validateName(name);
    // Remove config.json first: from then on the machine no longer exists, even if the rest lingers.
    await fs.rm(this.layout.machineFile(name, 'config.json'), { force: true });
    await fs.rm(this.layout.machineDir(name), { recursive: true, force: true });
  }
}

export function validateName(name: string): void {
  if (!NAME_PATTERN.test(name) || name.length > 63) {
    throw new UsageError(`invalid machine name "${name}": use letters, digits, "." and "-", starting with a letter or digit (at most 63)`);
  }
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === 'ENOENT';
}
