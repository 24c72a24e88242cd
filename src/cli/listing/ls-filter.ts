import { UsageError } from '../../core/errors';
import type { LsRow } from './ls-row';

/**
 * `machine ls --filter KEY=VALUE`. Values of one key are alternatives (OR); different keys must all
 * match (AND).
 */
export interface Filter {
  names: RegExp[];
  drivers: string[];
  states: string[];
  labels: Array<{ key: string; value?: string }>;
}

const KEYS = ['name', 'driver', 'state', 'label'] as const;
type FilterKey = (typeof KEYS)[number];

export function parseFilters(values: readonly string[]): Filter {
  const filter: Filter = { names: [], drivers: [], states: [], labels: [] };
  for (const raw of values) {
    const at = raw.indexOf('=');
    if (at < 0) throw new UsageError(`invalid filter "${raw}": expected KEY=VALUE`, ['for example: --filter driver=generic']);
    const key = raw.slice(0, at).trim().toLowerCase();
    const value = raw.slice(at + 1);
    if (!isFilterKey(key)) throw new UsageError(`unsupported filter key "${raw.slice(0, at)}": use name, driver, state or label`);
    addValue(filter, key, value);
  }
  return filter;
}

function isFilterKey(key: string): key is FilterKey {
  return (KEYS as readonly string[]).includes(key);
}

function addValue(filter: Filter, key: FilterKey, value: string): void {
  switch (key) {
    case 'name':
      filter.names.push(namePattern(value));
      break;
    case 'driver':
      filter.drivers.push(value.toLowerCase());
      break;
    case 'state':
      filter.states.push(value.toLowerCase());
      break;
    case 'label': {
      const at = value.indexOf('=');
      filter.labels.push(at < 0 ? { key: value } : { key: value.slice(0, at), value: value.slice(at + 1) });
      break;
    }
  }
}

/** A regular expression searched anywhere in the name, as docker-machine's Go regexp was. */
function namePattern(value: string): RegExp {
  try {
    return new RegExp(value);
  } catch (err) {
    throw new UsageError(`invalid name filter "${value}": ${(err as Error).message}`, ['name= takes a regular expression, e.g. --filter name=^dev']);
  }
}

export function matchesFilter(row: LsRow, filter: Filter): boolean {
  return (
    anyOrNone(filter.names, (pattern) => pattern.test(row.name)) &&
    anyOrNone(filter.drivers, (driver) => driver === row.driver.toLowerCase()) &&
    anyOrNone(filter.states, (state) => stateMatches(row.state.toLowerCase(), state)) &&
    anyOrNone(filter.labels, (wanted) => row.labels.some((label) => labelMatches(label, wanted)))
  );
}

/** `state=error` also keeps `Error (interrupted)`: the words in parentheses only say why. */
function stateMatches(state: string, wanted: string): boolean {
  return state === wanted || state.startsWith(`${wanted} (`);
}

/** A key with no values does not restrict; otherwise one value must match. */
function anyOrNone<T>(values: readonly T[], matches: (value: T) => boolean): boolean {
  return values.length === 0 || values.some(matches);
}

/** Label keys compare exactly, values case-insensitively; `label=KEY` matches any value. */
function labelMatches(label: string, wanted: { key: string; value?: string }): boolean {
  const at = label.indexOf('=');
  const key = at < 0 ? label : label.slice(0, at);
  const value = at < 0 ? '' : label.slice(at + 1);
  return key === wanted.key && (wanted.value === undefined || value.toLowerCase() === wanted.value.toLowerCase());
}
