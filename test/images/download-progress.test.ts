import {
  RateMeter,
  barLine,
  downloadProgress,
  etaSeconds,
  formatBytes,
  formatDuration,
  formatRate,
  plainLine,
  type Terminal,
} from '../../src/images/download-progress';

const MiB = 1024 * 1024;

describe('formatting', () => {
  it('sizes in binary units, three significant figures', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(12.34 * MiB)).toBe('12.3 MiB');
    expect(formatBytes(330 * MiB)).toBe('330 MiB');
    expect(formatBytes(1000 * MiB)).toBe('0.98 GiB');
    expect(formatBytes(1.02 * 1024 * MiB)).toBe('1.02 GiB');
  });

  it('rates per second', () => {
    expect(formatRate(12.34 * MiB)).toBe('12.3 MiB/s');
    expect(formatRate(512.4)).toBe('512 B/s');
  });

  it('durations as s, m s, h m', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(formatDuration(-3)).toBe('0s');
  });

  it('time left from the rate, unknown without a size or a rate', () => {
    expect(etaSeconds(100 * MiB, 300 * MiB, 10 * MiB)).toBe(20);
    expect(etaSeconds(300 * MiB, 300 * MiB, 10 * MiB)).toBe(0);
    expect(etaSeconds(299 * MiB, 300 * MiB, 10 * MiB)).toBe(1); // 0.1s: still 1s, not 0s
    expect(etaSeconds(100 * MiB, undefined, 10 * MiB)).toBeUndefined();
    expect(etaSeconds(100 * MiB, 300 * MiB, undefined)).toBeUndefined();
    expect(etaSeconds(100 * MiB, 300 * MiB, 0)).toBeUndefined();
  });

  it('keeps the plain lines as they were', () => {
    expect(plainLine('disk.img', 12 * MiB, 330 * MiB)).toBe('disk.img: 12 MiB of 330 MiB (3%)');
    expect(plainLine('disk.img', 12 * MiB, undefined)).toBe('disk.img: 12 MiB');
  });
});

describe('barLine', () => {
  it('shows percentage, a bar, bytes, rate and time left', () => {
    const line = barLine({ name: 'disk.img', received: 150 * MiB, total: 300 * MiB, rate: 10 * MiB, columns: 120 });
    expect(line).toBe(`  disk.img   50% [${'#'.repeat(15)}${'-'.repeat(15)}]  150 MiB / 300 MiB  10.0 MiB/s  15s left`);
  });

  it('keeps the bar the same width when the rate appears', () => {
    const width = (rate: number | undefined): number | undefined => /\[([#-]+)\]/.exec(barLine({ name: 'disk.img', received: 5 * MiB, total: 300 * MiB, rate, columns: 80 }))?.[1]?.length;
    expect(width(undefined)).toBe(width(1.5 * MiB));
  });

  it('says no time left once complete', () => {
    expect(barLine({ name: 'disk.img', received: 300 * MiB, total: 300 * MiB, rate: 10 * MiB, columns: 120 })).toMatch(/300 MiB \/ 300 MiB {2}10\.0 MiB\/s$/);
  });

  it('leaves out the rate and time left until they are known', () => {
    expect(barLine({ name: 'disk.img', received: 0, total: 300 * MiB, rate: undefined, columns: 120 })).toBe(`  disk.img    0% [${'-'.repeat(30)}]  0 B / 300 MiB`);
  });

  it('without a size: bytes and rate only', () => {
    expect(barLine({ name: 'disk.img', received: 150 * MiB, total: undefined, rate: 2 * MiB, columns: 120 })).toBe('  disk.img  150 MiB  2.00 MiB/s');
  });

  it('never wraps: the bar shrinks, then goes, then the line is cut', () => {
    const state = { name: 'disk.img', received: 150 * MiB, total: 300 * MiB, rate: 10 * MiB };
    for (const columns of [100, 70, 50, 30]) expect(barLine({ ...state, columns }).length).toBeLessThan(columns);
    const narrower = /\[([#-]+)\]/.exec(barLine({ ...state, columns: 80 }))?.[1];
    expect(narrower?.length).toBeGreaterThanOrEqual(10);
    expect(narrower?.length).toBeLessThan(30);
    expect(barLine({ ...state, columns: 70 })).toBe('  disk.img   50%  150 MiB / 300 MiB  10.0 MiB/s  15s left');
    expect(barLine({ ...state, columns: 30 })).toBe('  disk.img   50%  150 MiB / 3');
  });
});

describe('RateMeter', () => {
  it('measures over the last few seconds, not since the start', () => {
    const meter = new RateMeter(5000);
    meter.add(0, 0);
    expect(meter.rate()).toBeUndefined();
    meter.add(1000, 10 * MiB);
    expect(meter.rate()).toBe(10 * MiB);
    for (let t = 2000; t <= 10_000; t += 1000) meter.add(t, 10 * MiB + ((t - 1000) / 1000) * MiB); // slows to 1 MiB/s
    expect(meter.rate()).toBe(MiB);
  });

  it('does not count the bytes a resumed download started with', () => {
    const meter = new RateMeter(5000);
    meter.add(0, 200 * MiB);
    meter.add(2000, 204 * MiB);
    expect(meter.rate()).toBe(2 * MiB);
  });

  it('starts afresh when the download starts over from zero', () => {
    const meter = new RateMeter(5000);
    meter.add(0, 0);
    meter.add(1000, 50 * MiB);
    meter.add(1100, 0);
    expect(meter.rate()).toBeUndefined();
  });
});

/** A stand-in for a terminal: what was written, as a screen would show the last line. */
function fakeTerminal(isTTY: boolean): Terminal & { written: string } {
  return { isTTY, columns: 100, written: '', write(text: string) { this.written += text; return true; } };
}

describe('downloadProgress', () => {
  it('off a terminal: the plain lines, one every two seconds and the last one', () => {
    const lines: string[] = [];
    const terminal = fakeTerminal(false);
    let now = 0;
    const shown = downloadProgress('disk.img', { lines: (m) => lines.push(m), terminal, now: () => now });
    shown.update(0, 100 * MiB);
    now = 500;
    shown.update(10 * MiB, 100 * MiB);
    now = 2100;
    shown.update(30 * MiB, 100 * MiB);
    now = 2200;
    shown.note('disk.img: HTTP 503; retry 1 of 5 in 1.0s');
    shown.update(100 * MiB, 100 * MiB);
    shown.finish();
    expect(lines).toEqual(['disk.img: 0 MiB of 100 MiB (0%)', 'disk.img: 30 MiB of 100 MiB (30%)', 'disk.img: HTTP 503; retry 1 of 5 in 1.0s', 'disk.img: 100 MiB of 100 MiB (100%)']);
    expect(terminal.written).toBe('');
  });

  it('on a terminal: one line redrawn in place, notes on lines of their own, a newline at the end', () => {
    const lines: string[] = [];
    const terminal = fakeTerminal(true);
    let now = 0;
    const shown = downloadProgress('disk.img', { lines: (m) => lines.push(m), terminal, now: () => now });
    shown.update(0, 100 * MiB);
    now = 100;
    shown.update(5 * MiB, 100 * MiB); // within 200 ms of the last draw: not drawn
    now = 1000;
    shown.update(20 * MiB, 100 * MiB);
    const draws = terminal.written.split('\r').filter((d) => d.trim() !== '');
    expect(draws).toHaveLength(2);
    expect(draws[1]).toMatch(/^ {2}disk\.img {3}20% \[#{6}-{24}\] {2}20\.0 MiB \/ 100 MiB {2}20\.0 MiB\/s {2}4s left/);

    const before = terminal.written.length;
    shown.note('disk.img: HTTP 503; retry 1 of 5 in 1.0s');
    // The bar is blanked out before the note is written, so the two never share a line.
    expect(terminal.written.slice(before)).toMatch(/^\r +\r$/);
    expect(lines).toEqual(['disk.img: HTTP 503; retry 1 of 5 in 1.0s']);

    now = 2000;
    shown.update(100 * MiB, 100 * MiB);
    shown.finish();
    expect(terminal.written.endsWith('\n')).toBe(true);
    // The final state was drawn by the last update; finish only adds the newline.
    expect(terminal.written.split('\r').at(-1)).toMatch(/^ {2}disk\.img {2}100% \[#{30}\] {2}100 MiB \/ 100 MiB {2}\S+ MiB\/s\n$/);
    expect(terminal.written.match(/100%/g)).toHaveLength(1);
    expect(terminal.written).not.toContain('\x1b'); // no escapes: fine even on TERM=dumb
  });

  it('on a terminal, a failure midway still ends the bar with its last state and a newline', () => {
    const terminal = fakeTerminal(true);
    let now = 0;
    const shown = downloadProgress('disk.img', { lines: () => undefined, terminal, now: () => now });
    shown.update(0, 100 * MiB);
    now = 50;
    shown.update(47 * MiB, 100 * MiB); // throttled...
    shown.finish(); // ...but drawn here
    expect(terminal.written).toMatch(/47%[^\r]*\n$/);
  });

  it('shows nothing at all without a line sink', () => {
    const terminal = fakeTerminal(true);
    const shown = downloadProgress('disk.img', { terminal });
    shown.update(1, 2);
    shown.note('x');
    shown.finish();
    expect(terminal.written).toBe('');
  });
});
