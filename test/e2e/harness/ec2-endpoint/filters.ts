import { Ec2Error, type QueryParams } from './query';

/** The values a resource has for a filter name; undefined when the filter does not apply to it. */
export type FilterFields = (name: string) => string[] | undefined;

function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/** EC2 filter semantics: every filter must match; within one, any value; `*` and `?` are wildcards. */
export function matchesFilters(params: QueryParams, fields: FilterFields, tags: Record<string, string>): boolean {
  return params.filters().every(({ name, values }) => {
    const have = name.startsWith('tag:') ? (tags[name.slice(4)] === undefined ? [] : [tags[name.slice(4)] as string]) : name === 'tag-key' ? Object.keys(tags) : fields(name);
    if (have === undefined) throw new Ec2Error('InvalidParameterValue', `The filter '${name}' is invalid`);
    return values.some((v) => have.some((h) => wildcard(v).test(h)));
  });
}

/**
 * NextToken paging, deliberately with small pages even when MaxResults is absent, so a client that
 * ignores NextToken misses resources in tests instead of in production.
 */
export function page<T>(items: T[], params: QueryParams, pageSize: number): { items: T[]; nextToken?: string } {
  const token = params.get('NextToken');
  const start = token === undefined ? 0 : Number(Buffer.from(token, 'base64').toString('utf8').replace(/^offset:/, ''));
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw new Ec2Error('InvalidNextToken', 'The specified token is invalid');
  const max = Math.min(params.int('MaxResults') ?? pageSize, pageSize);
  const end = start + max;
  return { items: items.slice(start, end), ...(end < items.length ? { nextToken: Buffer.from(`offset:${end}`).toString('base64') } : {}) };
}
