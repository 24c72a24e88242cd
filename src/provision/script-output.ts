import { StringDecoder } from 'node:string_decoder';

/** Cuts a byte stream into lines, keeping a partial last line until more bytes or the end arrive. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    this.pending += this.decoder.write(chunk);
    const parts = this.pending.split('\n');
    this.pending = parts.pop() ?? '';
    for (const part of parts) this.onLine(part.replace(/\r$/, ''));
  }

  end(): void {
    this.pending += this.decoder.end();
    if (this.pending !== '') this.onLine(this.pending.replace(/\r$/, ''));
    this.pending = '';
  }
}

/** A `::name value` line from a script (see provision-scripts/lib/common.sh). */
export interface Marker {
  name: string;
  value: string;
}

export function parseMarker(line: string): Marker | undefined {
  const match = /^::([a-z][a-z0-9-]*)(?: (.*))?$/.exec(line);
  return match ? { name: match[1], value: match[2] ?? '' } : undefined;
}

/**
 * What one script run printed: every line is forwarded as it arrives, markers are collected, and the
 * last human lines are kept for the error message if the script fails.
 */
export class ScriptOutput {
  readonly markers: Marker[] = [];
  private readonly tailLines: string[] = [];

  constructor(
    private readonly forward: (line: string) => void,
    private readonly onMarker: (marker: Marker) => void,
    private readonly tailSize: number,
  ) {}

  line(line: string): void {
    this.forward(line);
    const marker = parseMarker(line);
    if (marker) {
      this.markers.push(marker);
      this.onMarker(marker);
      return;
    }
    this.tailLines.push(line);
    if (this.tailLines.length > this.tailSize) this.tailLines.shift();
  }

  marker(name: string): Marker | undefined {
    return this.markers.find((m) => m.name === name);
  }

  has(name: string, value?: string): boolean {
    return this.markers.some((m) => m.name === name && (value === undefined || m.value === value));
  }

  tail(): string[] {
    return [...this.tailLines];
  }
}
