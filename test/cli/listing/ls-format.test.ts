import { UsageError } from '../../../src/core/errors';
import { compareNatural, renderFormat, renderTable, sortRows } from '../../../src/cli/listing/ls-format';
import { alignColumns } from '../../../src/cli/listing/tab-writer';
import { swarmColumn } from '../../../src/cli/listing/ls-row';
import { row } from './rows';

const rows = [
  row('dev1', { active: '*', swarm: 'manager' }),
  row('web10', { driver: 'amazonec2', state: 'Timeout', active: '', url: '', docker: '', errors: 'timed out after 10s' }),
  row('x', { driver: 'qemu', state: 'Stopped', url: '', docker: '', responseMs: 12, labels: ['a=b', 'c=d'], swarm: '-' }),
];

describe('renderTable', () => {
  it('aligns the default columns with padding 3', () => {
    expect(renderTable(rows)).toBe(
      [
        'NAME    ACTIVE   DRIVER      STATE     URL                      SWARM     DOCKER    ERRORS',
        'dev1    *        generic     Running   tcp://203.0.113.5:2376   manager   v27.3.1',
        'web10            amazonec2   Timeout                                                timed out after 10s',
        'x       -        qemu        Stopped                            -',
      ].join('\n'),
    );
  });

  it('prints just the header when there are no machines', () => {
    expect(renderTable([])).toBe('NAME   ACTIVE   DRIVER   STATE   URL   SWARM   DOCKER   ERRORS');
  });
});

describe('renderFormat', () => {
  it('fills placeholders, one line per machine, without a header', () => {
    expect(renderFormat(rows, '{{.Name}} {{.State}}')).toBe('dev1 Running\nweb10 Timeout\nx Stopped');
  });

  it('accepts spaces inside the braces and the .Driver alias', () => {
    expect(renderFormat(rows.slice(0, 1), '{{ .Name }}|{{.Driver}}|{{ .DriverName}}|{{.URL}}|{{.DockerVersion}}|{{.Active}}')).toBe(
      'dev1|generic|generic|tcp://203.0.113.5:2376|v27.3.1|*',
    );
  });

  it('renders the extras: labels, response time, error', () => {
    expect(renderFormat(rows, '{{.Name}}:{{.Labels}}:{{.ResponseTime}}:{{.Error}}')).toBe('dev1:::\nweb10:::timed out after 10s\nx:a=b,c=d:12ms:');
  });

  it('expands \\t and \\n typed on the command line', () => {
    expect(renderFormat(rows.slice(0, 2), '{{.Name}}\\t{{.State}}\\n')).toBe('dev1\tRunning\n\nweb10\tTimeout\n');
  });

  it('with a table prefix adds the header and aligns', () => {
    expect(renderFormat(rows, 'table {{.Name}}\\t{{.DriverName}}\\t{{.State}}')).toBe(
      ['NAME    DRIVER      STATE', 'dev1    generic     Running', 'web10   amazonec2   Timeout', 'x       qemu        Stopped'].join('\n'),
    );
  });

  it('keeps literal text in the header row, as docker does', () => {
    expect(renderFormat(rows.slice(0, 1), 'table name={{.Name}}')).toBe('name=NAME\nname=dev1');
  });

  it('"table" alone is the default table', () => {
    expect(renderFormat(rows, 'table')).toBe(renderTable(rows));
  });

  it('rejects an unknown placeholder and lists the valid ones', () => {
    expect(() => renderFormat(rows, '{{.Name}} {{.SwarmMaster}}')).toThrow(UsageError);
    expect(() => renderFormat(rows, '{{.SwarmMaster}}')).toThrow(
      'unknown placeholder {{.SwarmMaster}} in --format: use {{.Name}} {{.Active}} {{.DriverName}} {{.Driver}} {{.State}} {{.URL}} {{.DockerVersion}} {{.Error}} {{.Labels}} {{.Swarm}} {{.ResponseTime}}',
    );
    expect(() => renderFormat(rows, '{{.constructor}}')).toThrow(UsageError);
    expect(() => renderFormat(rows, '{{json .}}')).toThrow(UsageError);
  });
});

describe('alignColumns (Go tabwriter rules)', () => {
  it('pads every tab-terminated cell to its column width, minimum 5', () => {
    expect(alignColumns('a\tb\tc\nlonger\tx\ty')).toBe('a        b    c\nlonger   x    y');
  });

  it('a line with fewer cells ends the column block', () => {
    expect(alignColumns('aaaaaaa\tb\nonly\nc\td')).toBe('aaaaaaa   b\nonly\nc    d');
  });

  it('counts characters, not bytes', () => {
    expect(alignColumns('日本\tx\nab\ty')).toBe('日本   x\nab   y');
  });
});

describe('natural sort by name', () => {
  it('orders case-insensitively with numbers compared as numbers', () => {
    const names = ['dev10', 'Dev2', 'dev1', 'alpha', 'dev02', 'dev-a', 'Beta', 'dev1.5'];
    expect(sortRows(names.map((n) => row(n))).map((r) => r.name)).toEqual(['alpha', 'Beta', 'dev1', 'dev1.5', 'Dev2', 'dev02', 'dev10', 'dev-a']);
  });

  it('handles digit runs too long for a number', () => {
    expect(compareNatural('n99999999999999999999', 'n100000000000000000000')).toBeLessThan(0);
  });

  it('is a total order: equal names compare equal, case ties break deterministically', () => {
    expect(compareNatural('dev1', 'dev1')).toBe(0);
    expect(Math.sign(compareNatural('Dev1', 'dev1'))).toBe(-Math.sign(compareNatural('dev1', 'Dev1')));
  });
});

describe('the SWARM column', () => {
  it('comes from the record alone: manager, worker, or - for none', () => {
    expect(swarmColumn({ swarm: { role: 'manager' } })).toBe('manager');
    expect(swarmColumn({ swarm: { role: 'worker' } })).toBe('worker');
    expect(swarmColumn({})).toBe('-');
    expect(renderFormat([row('w1', { swarm: 'worker' })], '{{.Name}} {{.Swarm}}')).toBe('w1 worker');
  });
});
