import { OperationError } from '../errors';
import { MachineRecord, RECORD_SCHEMA_VERSION } from '../machine-record';

/**
 * Upgrades a stored record to the current schema. Version 1 is the first; later versions add a pure
 * step here. A record from a newer `machine` is refused rather than half-understood.
 */
export function migrateRecord(raw: unknown, name: string): MachineRecord {
  if (typeof raw !== 'object' || raw === null) {
    throw new OperationError('RECORD_CORRUPT', `config.json of machine "${name}" is not an object`);
  }
  const version = (raw as { schemaVersion?: unknown }).schemaVersion;
  if (typeof version !== 'number') {
    throw new OperationError('RECORD_CORRUPT', `config.json of machine "${name}" has no schemaVersion`);
  }
  if (version > RECORD_SCHEMA_VERSION) {
    throw new OperationError(
      'RECORD_FROM_FUTURE',
      `machine "${name}" was written by a newer machine (schema ${version}; this one reads up to ${RECORD_SCHEMA_VERSION})`,
      ['upgrade machine'],
    );
  }
  const record = raw as MachineRecord;
  if (record.name !== name) {
    throw new OperationError('RECORD_CORRUPT', `config.json in folder "${name}" names machine "${record.name}"`);
  }
  return record;
}
