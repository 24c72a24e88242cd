import { formatRecord } from '../../src/commands/inspect';
import { UsageError } from '../../src/core/errors';
import { sampleRecord } from '../helpers/tmp-store';

describe('inspect --format', () => {
  const record = sampleRecord('web1', { engine: { install: 'distro', port: 2376, labels: ['a=b'], opts: [], env: [], insecureRegistries: [], registryMirrors: [] } });

  it('fills nested fields and prints objects as JSON', () => {
    expect(formatRecord(record, '{{.driverConfig.ipAddress}} {{ .engine.labels }}')).toBe('203.0.113.5 ["a=b"]');
  });

  it('names a missing field', () => {
    expect(() => formatRecord(record, '{{.nope.deeper}}')).toThrow(UsageError);
  });
});
