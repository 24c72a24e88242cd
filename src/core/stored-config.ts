import { OperationError } from './errors';

/** The JSON kinds a driver's stored config holds; a trailing `?` marks a field that may be absent. */
type FieldKind = 'string' | 'number' | 'boolean' | 'string[]' | 'object' | 'object[]';
export type FieldSpec = FieldKind | `${FieldKind}?`;

/**
 * The shape of a driver's config, one entry per field. `-?` makes the compiler insist on every field
 * of the config type, so a field added to the config and forgotten here does not compile.
 */
export type ConfigShape<Config> = { readonly [K in keyof Config]-?: FieldSpec };

function hasKind(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'object[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'object' && v !== null);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return typeof value === kind;
  }
}

/**
 * Reads a config back from a machine's record (JSON written by an earlier command, possibly by hand)
 * into the driver's own type, refusing a record whose fields are missing or of the wrong kind: a
 * driver then never works on a half-read config.
 */
export function readStoredConfig<Config>(driver: string, machineConfig: Record<string, unknown>, shape: ConfigShape<Config>): Config {
  const problems: string[] = [];
  for (const [field, spec] of Object.entries<FieldSpec>(shape)) {
    const optional = spec.endsWith('?');
    const kind = (optional ? spec.slice(0, -1) : spec) as FieldKind;
    const value = machineConfig[field];
    if (value === undefined ? !optional : !hasKind(value, kind)) problems.push(`${field} should be ${optional ? 'absent or ' : ''}${kind}`);
  }
  if (problems.length > 0) {
    throw new OperationError('RECORD_INVALID', `the stored ${driver} driver config does not fit this version of machine: ${problems.join('; ')}`, [
      'the record was edited by hand or written by another version; `machine rm --force NAME` drops it',
    ]);
  }
  // Every field of Config was checked against its declared kind just above.
  return machineConfig as Config;
}
