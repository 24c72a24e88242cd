import { matchesFilter, parseFilters } from '../../../src/cli/listing/ls-filter';
import { UsageError } from '../../../src/core/errors';
import { row } from './rows';

const rows = [
  row('dev1', { driver: 'generic', state: 'Running', labels: ['env=prod', 'team=Core'] }),
  row('dev2', { driver: 'qemu', state: 'Stopped', labels: ['env=dev'] }),
  row('web10', { driver: 'amazonec2', state: 'Timeout', labels: [] }),
  row('Web11', { driver: 'azure', state: 'Error', labels: ['gpu'] }),
  row('left', { driver: 'hyperv', state: 'Error (interrupted)', labels: [] }),
];
const names = (filters: string[]) => rows.filter((r) => matchesFilter(r, parseFilters(filters))).map((r) => r.name);

describe('ls filters', () => {
  it.each([
    [[], ['dev1', 'dev2', 'web10', 'Web11', 'left']],
    [['name=dev'], ['dev1', 'dev2']],
    [['name=^web1[01]$'], ['web10']],
    [['name=(?i)^web'], 'invalid'],
    [['name=^dev1$', 'name=^web10$'], ['dev1', 'web10']],
    [['driver=GENERIC'], ['dev1']],
    [['driver=generic', 'driver=qemu'], ['dev1', 'dev2']],
    [['state=running'], ['dev1']],
    [['state=Timeout', 'state=error'], ['web10', 'Web11', 'left']],
    [['state=error (interrupted)'], ['left']],
    [['state=err'], []],
    [['label=env=prod'], ['dev1']],
    [['label=team=core'], ['dev1']],
    [['label=env'], ['dev1', 'dev2']],
    [['label=gpu'], ['Web11']],
    [['label=env=prod', 'label=env=dev'], ['dev1', 'dev2']],
    [['driver=qemu', 'state=running'], []],
    [['name=dev', 'state=stopped'], ['dev2']],
    [['NAME=eb1', 'State=Error'], ['Web11']],
    [['name=web'], ['web10']],
    [['state='], []],
  ] as const)('%j keeps %j', (filters, expected) => {
    if (expected === 'invalid') {
      expect(() => parseFilters([...filters])).toThrow(UsageError);
      return;
    }
    expect(names([...filters])).toEqual(expected);
  });

  it('rejects an unknown key', () => {
    expect(() => parseFilters(['swarm=x'])).toThrow(new UsageError('unsupported filter key "swarm": use name, driver, state or label'));
  });

  it('rejects a filter without =', () => {
    expect(() => parseFilters(['driver'])).toThrow(UsageError);
    expect(() => parseFilters(['driver'])).toThrow('invalid filter "driver": expected KEY=VALUE');
  });

  it('rejects an invalid name regex with a usage error', () => {
    expect(() => parseFilters(['name=('])).toThrow(/^invalid name filter "\(":/);
  });
});
