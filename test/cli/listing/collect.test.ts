import { collectRows } from '../../../src/cli/listing/collect';
import type { LsRow } from '../../../src/cli/listing/ls-row';
import { row } from './rows';

interface Fake {
  name: string;
  driver: string;
  behaviour: 'answer' | 'hang' | 'throw' | { delayMs: number };
}

const never = () => new Promise<LsRow>(() => undefined);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function probe(machine: Fake): Promise<LsRow> {
  const b = machine.behaviour;
  if (b === 'hang') return never();
  if (b === 'throw') throw new Error('driver exploded');
  if (b !== 'answer') await sleep(b.delayMs);
  return row(machine.name, { driver: machine.driver });
}

describe('collectRows', () => {
  it('reports hanging probes as Timeout after one timeout, not the sum of them', async () => {
    const machines: Fake[] = [
      { name: 'a', driver: 'generic', behaviour: 'hang' },
      { name: 'b', driver: 'qemu', behaviour: 'answer' },
      { name: 'c', driver: 'azure', behaviour: 'hang' },
      { name: 'd', driver: 'generic', behaviour: 'hang' },
      { name: 'e', driver: 'generic', behaviour: { delayMs: 50 } },
    ];
    const started = Date.now();
    const rows = await collectRows(machines, probe, { timeoutMs: 300 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(600);
    expect(rows.map((r) => [r.name, r.state, r.errors])).toEqual([
      ['a', 'Timeout', 'timed out after 0.3s'],
      ['b', 'Running', ''],
      ['c', 'Timeout', 'timed out after 0.3s'],
      ['d', 'Timeout', 'timed out after 0.3s'],
      ['e', 'Running', ''],
    ]);
    expect(rows[0]).toEqual({ name: 'a', active: '', driver: 'generic', state: 'Timeout', url: '', docker: '', errors: 'timed out after 0.3s', labels: [] });
  });

  it('returns as soon as every probe answered', async () => {
    const started = Date.now();
    await collectRows([{ name: 'a', driver: 'x', behaviour: 'answer' } as Fake], probe, { timeoutMs: 10_000 });
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('aborts the signal of a probe that timed out so it can stop its work', async () => {
    const signals: AbortSignal[] = [];
    await collectRows([{ name: 'a' }], (_m, signal) => {
      signals.push(signal);
      return never();
    }, { timeoutMs: 50 });
    expect(signals[0].aborted).toBe(true);
    expect(String(signals[0].reason)).toContain('timed out after 0.05s');
  });

  it('turns a probe that throws into an Error row', async () => {
    const rows = await collectRows([{ name: 'a', driver: 'generic', behaviour: 'throw' } as Fake], probe, { timeoutMs: 1000 });
    expect(rows[0]).toMatchObject({ name: 'a', driver: 'generic', state: 'Error', errors: 'driver exploded' });
  });

  it('uses the caller\'s fallback row for timed-out machines', async () => {
    const rows = await collectRows([{ name: 'a' }], () => never(), {
      timeoutMs: 20,
      fallbackRow: (m) => row(m.name, { url: 'tcp://1.2.3.4:2376', labels: ['env=prod'], state: '', docker: '' }),
    });
    expect(rows[0]).toMatchObject({ name: 'a', active: '', state: 'Timeout', url: 'tcp://1.2.3.4:2376', labels: ['env=prod'] });
  });

  it('bounds concurrency, and each probe\'s clock starts when it starts', async () => {
    let running = 0;
    let peak = 0;
    const machines = Array.from({ length: 6 }, (_, i) => ({ name: `m${i}` }));
    const started = Date.now();
    const rows = await collectRows(
      machines,
      async (m) => {
        running++;
        peak = Math.max(peak, running);
        await sleep(100);
        running--;
        return row(m.name);
      },
      { timeoutMs: 150, concurrency: 2 },
    );
    expect(peak).toBe(2);
    expect(rows.every((r) => r.state === 'Running')).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('handles an empty list', async () => {
    await expect(collectRows([], probe, { timeoutMs: 10 })).resolves.toEqual([]);
  });
});
