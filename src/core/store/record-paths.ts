import * as path from 'node:path';
import type { MachineRecord } from '../machine-record';
import type { StoreLayout } from '../store-layout';

/**
 * A path as the record keeps it: store-relative when it is inside the store, else the user's own (from
 * the command line), made absolute and listed in the record's `userPaths`, so the store reads it but
 * never deletes it, and the schema accepts no other absolute path.
 */
export function pathForRecord(layout: StoreLayout, record: MachineRecord, given: string): string {
  const absolute = path.resolve(given);
  const relative = layout.relative(absolute);
  if (relative !== absolute) return relative;
  record.userPaths = [...new Set([...(record.userPaths ?? []), absolute])];
  return absolute;
}
