import { UsageError } from '../core/errors';

/**
 * Reading parsed oclif flag values into a driver's config. oclif already parsed the types; these
 * helpers turn "absent or blank" into undefined and range problems into UsageErrors naming the flag.
 */
export type FlagValues = Record<string, unknown>;

export function stringFlag(flags: FlagValues, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function intFlag(flags: FlagValues, name: string, fallback: number, min: number, max: number): number {
  const value = flags[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number between ${min} and ${max}`);
  }
  return value;
}

export function portFlag(flags: FlagValues, name: string, fallback: number): number {
  const value = flags[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw new UsageError(`--${name} must be a TCP port between 1 and 65535`);
  }
  return value;
}

export function boolFlag(flags: FlagValues, name: string): boolean {
  return flags[name] === true;
}

/** A repeatable flag; each value may also hold a comma-separated list (as docker-machine allowed). */
export function listFlag(flags: FlagValues, name: string): string[] {
  const value = flags[name];
  const values = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return values
    .filter((v): v is string => typeof v === 'string')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}
