import type { LsRow } from './ls-row';

/**
 * Compares names the way people read them: case-insensitively, with runs of digits compared as
 * numbers, so dev2 sorts before dev10. Exact ties fall back to plain order so sorting is stable.
 */
export function compareNatural(a: string, b: string): number {
  const left = chunks(a.toLowerCase());
  const right = chunks(b.toLowerCase());
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const order = compareChunk(left[i], right[i]);
    if (order !== 0) return order;
  }
  if (left.length !== right.length) return left.length - right.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortRows(rows: readonly LsRow[]): LsRow[] {
  return [...rows].sort((x, y) => compareNatural(x.name, y.name));
}

function chunks(text: string): string[] {
  return text.match(/\d+|\D+/g) ?? [];
}

function compareChunk(x: string, y: string): number {
  const xDigits = /^\d/.test(x);
  const yDigits = /^\d/.test(y);
  if (xDigits && yDigits) {
    // Compare as numbers without parsing: fewer significant digits is smaller, then digit by digit.
    const xs = x.replace(/^0+(?=\d)/, '');
    const ys = y.replace(/^0+(?=\d)/, '');
    if (xs.length !== ys.length) return xs.length - ys.length;
    if (xs !== ys) return xs < ys ? -1 : 1;
    return x.length - y.length;
  }
  if (x === y) return 0;
  return x < y ? -1 : 1;
}
