import type { LsRow } from '../../../src/cli/listing/ls-row';

export function row(name: string, overrides: Partial<LsRow> = {}): LsRow {
  return { name, active: '-', driver: 'generic', state: 'Running', url: 'tcp://203.0.113.5:2376', docker: 'v27.3.1', errors: '', labels: [], ...overrides };
}
