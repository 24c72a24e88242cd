import type { Driver } from '../../src/core/driver';
import type { MachineState } from '../../src/core/machine-record';
import type { MachineApp } from '../../src/services/app';
import { startBatchedStates } from '../../src/services/batch-states';
import { sampleRecord } from '../helpers/tmp-store';

/** A driver whose batch answers only the peers of its own "region", as amazonec2's does. */
function batchingDriver(region: string, state: MachineState, calls: string[]): Driver & { region: string } {
  const driver = {
    name: 'cloud',
    region,
    state: async () => state,
    async batchStates(peers: readonly Driver[]) {
      calls.push(`batch ${region} for ${peers.length}`);
      return new Map(peers.filter((p) => (p as unknown as { region: string }).region === region).map((p) => [p, state] as const));
    },
  } as unknown as Driver & { region: string };
  return driver;
}

function appWith(drivers: Record<string, Driver>): MachineApp {
  return { driverFor: async (record: { name: string }) => drivers[record.name] } as unknown as MachineApp;
}

it('one batch call per region, each machine answered from its own, none for a lone machine or a failed record', async () => {
  const calls: string[] = [];
  const drivers = {
    a: batchingDriver('east', 'Running', calls),
    b: batchingDriver('east', 'Running', calls),
    c: batchingDriver('west', 'Stopped', calls),
    d: batchingDriver('west', 'Stopped', calls),
  };
  const records = ['a', 'b', 'c', 'd'].map((name) => sampleRecord(name, { driver: 'cloud' }));
  records.push(sampleRecord('failed', { driver: 'cloud', status: 'error' }), sampleRecord('lone', { driver: 'generic' }));
  const answers = startBatchedStates(appWith(drivers), records);

  expect(await Promise.all(['a', 'b', 'c', 'd'].map((name) => answers.get(name)))).toEqual([{ state: 'Running' }, { state: 'Running' }, { state: 'Stopped' }, { state: 'Stopped' }]);
  expect(calls).toEqual(['batch east for 4', 'batch west for 2']);
  expect(answers.has('failed')).toBe(false);
  expect(answers.has('lone')).toBe(false);
});

it('a failed batch call becomes each machine error, never a rejection', async () => {
  const failing = { name: 'cloud', state: async () => 'Running', batchStates: async () => Promise.reject(new Error('RequestLimitExceeded')) } as unknown as Driver;
  const answers = startBatchedStates(appWith({ a: failing, b: failing }), [sampleRecord('a', { driver: 'cloud' }), sampleRecord('b', { driver: 'cloud' })]);
  expect(await answers.get('a')).toEqual({ error: new Error('RequestLimitExceeded') });
  expect(await answers.get('b')).toEqual({ error: new Error('RequestLimitExceeded') });
});

it('drivers that cannot batch are left to ask alone', async () => {
  const plain = { name: 'generic', state: async () => 'Running' } as unknown as Driver;
  const answers = startBatchedStates(appWith({ a: plain, b: plain }), [sampleRecord('a'), sampleRecord('b')]);
  expect(await answers.get('a')).toBeUndefined();
});
