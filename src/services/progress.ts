/**
 * Progress of long work, phase by phase. People see one line per phase with its elapsed time on
 * stderr (stdout stays clean for the result); scripts with --json get the same phases as NDJSON
 * events on stderr.
 */
export interface PhaseEvent {
  event: 'phase-start' | 'phase-end' | 'phase-failed' | 'note';
  phase: string;
  elapsedMs?: number;
  message?: string;
}

export interface ProgressSink {
  emit(event: PhaseEvent): void;
}

export class Progress {
  readonly timings: Array<{ phase: string; ms: number }> = [];
  private readonly started = Date.now();

  constructor(private readonly sink: ProgressSink) {}

  async phase<T>(phase: string, work: () => Promise<T>): Promise<T> {
    const start = Date.now();
    this.sink.emit({ event: 'phase-start', phase });
    try {
      const result = await work();
      const ms = Date.now() - start;
      this.timings.push({ phase, ms });
      this.sink.emit({ event: 'phase-end', phase, elapsedMs: ms });
      return result;
    } catch (err) {
      this.sink.emit({ event: 'phase-failed', phase, elapsedMs: Date.now() - start, message: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  note(phase: string, message: string): void {
    this.sink.emit({ event: 'note', phase, message });
  }

  totalMs(): number {
    return Date.now() - this.started;
  }
}

export function humanSink(write: (line: string) => void): ProgressSink {
  return {
    emit(e) {
      if (e.event === 'phase-start') write(`  ${e.phase} ...`);
      else if (e.event === 'phase-end') write(`  ${e.phase} done (${seconds(e.elapsedMs)})`);
      else if (e.event === 'phase-failed') write(`  ${e.phase} FAILED after ${seconds(e.elapsedMs)}`);
      else write(`  ${e.phase}: ${e.message}`);
    },
  };
}

export function jsonSink(write: (line: string) => void): ProgressSink {
  return { emit: (e) => write(JSON.stringify({ ...e, time: new Date().toISOString() })) };
}

export const silentSink: ProgressSink = { emit: () => undefined };

function seconds(ms = 0): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
