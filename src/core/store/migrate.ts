import * as path from 'node:path';
import { OperationError } from '../errors';
import { MachineRecord, RECORD_SCHEMA_VERSION } from '../machine-record';
import { type RecordV1, describeIssues, recordSchemaV1, recordSchemaV2 } from './record-schema';

/** A config.json that cannot be used as it is: what is wrong, and the way out. */
export function recordInvalid(name: string, problem: string): OperationError {
  return new OperationError('RECORD_INVALID', `the record of machine "${name}" is unusable: ${problem}`, [
    `\`machine rm ${name}\` removes it (and what it lets us clean up)`,
  ]);
}

/**
 * Checks a stored record against the schema of the version it says it is, then lifts it step by step
 * to the current version. A record from a newer `machine` is refused rather than half-understood.
 */
export function migrateRecord(raw: unknown, name: string): MachineRecord {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw recordInvalid(name, 'config.json does not hold a JSON object');
  const version = (raw as { schemaVersion?: unknown }).schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw recordInvalid(name, 'config.json has no schemaVersion');
  if (version > RECORD_SCHEMA_VERSION) {
    throw new OperationError(
      'RECORD_FROM_FUTURE',
      `machine "${name}" was written by a newer machine (schema ${version}; this one reads up to ${RECORD_SCHEMA_VERSION})`,
      ['upgrade machine', `or remove the record with \`machine rm ${name}\``],
    );
  }
  const lifted = version === 1 ? fromV1(parseWith(recordSchemaV1, raw, name)) : raw;
  const record: MachineRecord = parseWith(recordSchemaV2, lifted, name);
  if (record.name !== name) throw recordInvalid(name, `config.json in folder "${name}" names machine "${record.name}"`);
  return record;
}

function parseWith<T>(schema: { safeParse(raw: unknown): { success: true; data: T } | { success: false; error: import('zod').ZodError } }, raw: unknown, name: string): T {
  const result = schema.safeParse(raw);
  if (!result.success) throw recordInvalid(name, `config.json does not fit record schema ${(raw as { schemaVersion?: unknown }).schemaVersion}: ${describeIssues(result.error)}`);
  return result.data;
}

/** Version 1 kept an absolute SSH key path only when the user gave it; version 2 says so in `userPaths`. */
function fromV1(record: RecordV1): unknown {
  const keyPath = record.ssh?.keyPath;
  return { ...record, schemaVersion: 2, ...(keyPath !== undefined && path.isAbsolute(keyPath) ? { userPaths: [keyPath] } : {}) };
}
