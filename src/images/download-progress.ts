/**
 * How a download's progress reaches the user. On a terminal, one line that redraws itself with the
 * percentage, bytes, rate and time left; anywhere else (a pipe, a log file, CI), a plain line every
 * few seconds through the caller's line sink. The formatting is pure and tested on its own.
 */

/** Where a bar can be drawn: process.stderr, or anything shaped like it. */
export interface Terminal {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface DownloadProgress {
  /** Bytes of the file now on disk (a resumed download starts above zero), and the size if known. */
  update(received: number, total: number | undefined): void;
  /** A line for the user in the middle of the download (a retry), without garbling the bar. */
  note(message: string): void;
  /** The download ended, well or not: leave the terminal on a fresh line. */
  finish(): void;
}

export interface ProgressTarget {
  /** Whole lines for the user (ctx.progress); without it nothing is shown. */
  lines?: (message: string) => void;
  /** Draw a bar here when it is a TTY. */
  terminal?: Terminal;
  now?: () => number;
}

const LINE_EVERY_MS = 2_000;
const BAR_EVERY_MS = 200;
const RATE_WINDOW_MS = 5_000;
const MAX_BAR_WIDTH = 30;
const MIN_BAR_WIDTH = 10;
/** Room kept for bytes, rate and time left, so the bar does not jump when they appear or grow. */
const TAIL_RESERVE = 46;

export function downloadProgress(name: string, target: ProgressTarget): DownloadProgress {
  const now = target.now ?? Date.now;
  if (!target.lines) return { update: () => undefined, note: () => undefined, finish: () => undefined };
  return target.terminal?.isTTY ? new BarProgress(name, target.lines, target.terminal, now) : new LineProgress(name, target.lines, now);
}

/** The lines as they always were: `disk.img: 12 MiB of 330 MiB (3%)`, every two seconds and at the end. */
class LineProgress implements DownloadProgress {
  private last: number | undefined;

  constructor(
    private readonly name: string,
    private readonly lines: (message: string) => void,
    private readonly now: () => number,
  ) {}

  update(received: number, total: number | undefined): void {
    const at = this.now();
    if (this.last !== undefined && at - this.last < LINE_EVERY_MS && received !== total) return;
    this.last = at;
    this.lines(plainLine(this.name, received, total));
  }

  note(message: string): void {
    this.lines(message);
  }

  finish(): void {}
}

class BarProgress implements DownloadProgress {
  private readonly meter = new RateMeter(RATE_WINDOW_MS);
  private state: { received: number; total: number | undefined } | undefined;
  private lastDraw: number | undefined;
  /** The state changed since it was last drawn. */
  private stale = false;
  /** Characters of the bar now on screen; 0 when the cursor is at the start of a clean line. */
  private shown = 0;

  constructor(
    private readonly name: string,
    private readonly lines: (message: string) => void,
    private readonly terminal: Terminal,
    private readonly now: () => number,
  ) {}

  update(received: number, total: number | undefined): void {
    this.state = { received, total };
    this.stale = true;
    const at = this.now();
    if (this.lastDraw !== undefined && at - this.lastDraw < BAR_EVERY_MS && received !== total) return;
    this.draw(at);
  }

  note(message: string): void {
    this.clear();
    this.lines(message);
  }

  finish(): void {
    if (this.stale) this.draw(this.now());
    if (this.shown > 0) this.terminal.write('\n');
    this.shown = 0;
  }

  private draw(at: number): void {
    if (!this.state) return;
    this.lastDraw = at;
    this.stale = false;
    this.meter.add(at, this.state.received);
    const line = barLine({ name: this.name, ...this.state, rate: this.meter.rate(), columns: this.terminal.columns || 80 }); // 0: a pty nobody sized
    // \r and spaces rather than an erase-line escape: it works on any terminal, even TERM=dumb.
    this.terminal.write(`\r${line}${' '.repeat(Math.max(0, this.shown - line.length))}`);
    this.shown = line.length;
  }

  private clear(): void {
    if (this.shown === 0) return;
    this.terminal.write(`\r${' '.repeat(this.shown)}\r`);
    this.shown = 0;
  }
}

/**
 * Bytes per second over the last few seconds, so the rate follows the connection as it is now rather
 * than its average since the start (and a resumed download's old bytes do not count).
 */
export class RateMeter {
  private samples: Array<{ at: number; bytes: number }> = [];

  constructor(private readonly windowMs: number) {}

  add(at: number, bytes: number): void {
    const last = this.samples.at(-1);
    if (last && bytes < last.bytes) this.samples = []; // started over from zero
    this.samples.push({ at, bytes });
    // Keep one sample at or before the window's start, so the window is always covered.
    while (this.samples.length > 2 && (this.samples[1] as { at: number }).at <= at - this.windowMs) this.samples.shift();
  }

  /** Undefined until half a second has been seen: a rate from one burst would be noise. */
  rate(): number | undefined {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 500) return undefined;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }
}

/** Today's plain progress line. */
export function plainLine(name: string, received: number, total: number | undefined): string {
  const mib = (n: number): string => `${(n / 1048576).toFixed(0)} MiB`;
  return total ? `${name}: ${mib(received)} of ${mib(total)} (${percent(received, total)}%)` : `${name}: ${mib(received)}`;
}

export interface BarState {
  name: string;
  received: number;
  total: number | undefined;
  /** Bytes per second, undefined while unknown. */
  rate: number | undefined;
  /** Width of the terminal; the line stays one character short of it so it never wraps. */
  columns: number;
}

/**
 * `  disk.img  45% [#############----------------]  150 MiB / 330 MiB  12.3 MiB/s  15s left`, or,
 * without a size, `  disk.img  150 MiB  12.3 MiB/s`. The bar shrinks, then goes, on a narrow terminal.
 */
export function barLine(state: BarState): string {
  const rate = state.rate === undefined ? '' : `  ${formatRate(state.rate)}`;
  const fit = (text: string): string => text.slice(0, Math.max(0, state.columns - 1));
  if (!state.total) return fit(`  ${state.name}  ${formatBytes(state.received)}${rate}`);

  const eta = state.received < state.total ? etaSeconds(state.received, state.total, state.rate) : undefined;
  const head = `  ${state.name}  ${`${percent(state.received, state.total)}%`.padStart(4)}`;
  const tail = `  ${formatBytes(state.received)} / ${formatBytes(state.total)}${rate}${eta === undefined ? '' : `  ${formatDuration(eta)} left`}`;
  const room = state.columns - 1 - head.length - Math.max(tail.length, TAIL_RESERVE) - 3; // " [" and "]"
  const width = Math.min(MAX_BAR_WIDTH, room);
  if (width < MIN_BAR_WIDTH) return fit(head + tail);
  const filled = Math.min(width, Math.floor((state.received / state.total) * width));
  return `${head} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}]${tail}`;
}

function percent(received: number, total: number): number {
  return Math.min(100, Math.floor((received / total) * 100));
}

/** 512 B, 1.50 KiB, 12.3 MiB, 330 MiB, 1.02 GiB: three significant figures, binary units. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[unit]}`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** 42s, 3m05s, 1h02m. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Whole seconds left at the current rate, rounded up (never 0s while bytes remain); undefined without a size or a rate. */
export function etaSeconds(received: number, total: number | undefined, rate: number | undefined): number | undefined {
  if (!total || !rate || rate <= 0) return undefined;
  return Math.max(0, Math.ceil((total - received) / rate));
}
