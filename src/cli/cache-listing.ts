import type { CachedImageRow } from '../services/provisioned-image-cache';
import { alignColumns } from './listing/tab-writer';

/** `machine cache ls` as a table: one line per provisioned image. */
export function renderCacheTable(rows: readonly CachedImageRow[]): string {
  const header = ['KEY', 'STATE', 'SIZE', 'DRIVER', 'FROM MACHINE', 'USED BY', 'CREATED', 'RECIPE'];
  const lines = rows.map((r) => [r.key, r.state, formatSize(r.sizeBytes), r.driver, r.sourceMachine, r.usedBy.join(',') || '-', r.createdAt.slice(0, 19).replace('T', ' '), r.recipe]);
  return alignColumns([header, ...lines].map((cells) => cells.join('\t')).join('\n'));
}

/** Binary units, one decimal from MiB up: sizes on disk, as `du -h` shows them. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit < 2 ? `${Math.round(value)} ${units[unit]}` : `${value.toFixed(1)} ${units[unit]}`;
}
