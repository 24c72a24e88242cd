/**
 * EC2 Query protocol requests: a form-encoded body of flat keys, where lists are numbered from 1
 * (`InstanceId.1`, `Filter.2.Value.1`) and structures nest with dots (`BlockDeviceMapping.1.Ebs.VolumeSize`).
 */
export class QueryParams {
  constructor(readonly flat: Readonly<Record<string, string>>) {}

  static parse(body: string): QueryParams {
    return new QueryParams(Object.fromEntries(new URLSearchParams(body)));
  }

  get(name: string): string | undefined {
    return this.flat[name];
  }

  required(name: string): string {
    const value = this.flat[name];
    if (value === undefined || value === '') throw new Ec2Error('MissingParameter', `The request must contain the parameter ${name}`);
    return value;
  }

  int(name: string): number | undefined {
    const value = this.flat[name];
    return value === undefined ? undefined : Number(value);
  }

  bool(name: string): boolean | undefined {
    const value = this.flat[name];
    return value === undefined ? undefined : value === 'true';
  }

  /** `Name.1`, `Name.2`... as a list of strings. */
  list(name: string): string[] {
    const values: string[] = [];
    for (let i = 1; this.flat[`${name}.${i}`] !== undefined; i++) values.push(this.flat[`${name}.${i}`] as string);
    return values;
  }

  /** `Name.1.Field`, `Name.2.Field`... as a list of nested parameter sets. */
  structs(name: string): QueryParams[] {
    const found: QueryParams[] = [];
    for (let i = 1; ; i++) {
      const nested = this.nested(`${name}.${i}`);
      if (Object.keys(nested.flat).length === 0) return found;
      found.push(nested);
    }
  }

  /** The parameters under `Name.` with that prefix removed. */
  nested(name: string): QueryParams {
    const prefix = `${name}.`;
    return new QueryParams(Object.fromEntries(Object.entries(this.flat).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v])));
  }

  /** `Filter.N.Name` / `Filter.N.Value.M` as name -> accepted values. */
  filters(): Array<{ name: string; values: string[] }> {
    return this.structs('Filter').map((f) => ({ name: f.required('Name'), values: f.list('Value') }));
  }

  /** `TagSpecification.N` as resource type -> tags. */
  tagSpecifications(): Map<string, Record<string, string>> {
    const specs = new Map<string, Record<string, string>>();
    for (const spec of this.structs('TagSpecification')) {
      const tags = Object.fromEntries(spec.structs('Tag').map((t) => [t.required('Key'), t.get('Value') ?? '']));
      specs.set(spec.required('ResourceType'), { ...specs.get(spec.required('ResourceType')), ...tags });
    }
    return specs;
  }
}

/** An EC2 error response: its code (the SDK's exception name), message and HTTP status. */
export class Ec2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}
