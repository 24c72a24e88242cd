import { UsageError } from '../../core/errors';
import type { LsRow } from './ls-row';
import { alignColumns } from './tab-writer';

export { sortRows, compareNatural } from './natural-sort';

/**
 * `machine ls` output: the default table, or the user's --format template. Templates use
 * docker-machine's placeholders ({{.Name}}, {{ .State }}...); a `table` prefix adds the header row
 * and aligns the columns, and the two-character escapes \t and \n typed on a command line become a
 * tab and a line break.
 */

interface Field {
  header: string;
  value: (row: LsRow) => string;
}

const FIELDS: Record<string, Field> = {
  Name: { header: 'NAME', value: (row) => row.name },
  Active: { header: 'ACTIVE', value: (row) => row.active },
  DriverName: { header: 'DRIVER', value: (row) => row.driver },
  Driver: { header: 'DRIVER', value: (row) => row.driver },
  State: { header: 'STATE', value: (row) => row.state },
  URL: { header: 'URL', value: (row) => row.url },
  DockerVersion: { header: 'DOCKER', value: (row) => row.docker },
  Error: { header: 'ERRORS', value: (row) => row.errors },
  Labels: { header: 'LABELS', value: (row) => row.labels.join(',') },
  Swarm: { header: 'SWARM', value: (row) => row.swarm ?? '' },
  ResponseTime: { header: 'RESPONSE', value: (row) => (row.responseMs === undefined ? '' : `${row.responseMs}ms`) },
};

// SWARM sits where docker-machine had it, between URL and DOCKER.
const DEFAULT_COLUMNS = '{{.Name}}\t{{.Active}}\t{{.DriverName}}\t{{.State}}\t{{.URL}}\t{{.Swarm}}\t{{.DockerVersion}}\t{{.Error}}';

export function renderTable(rows: readonly LsRow[]): string {
  return renderFormat(rows, `table ${DEFAULT_COLUMNS}`);
}

export function renderFormat(rows: readonly LsRow[], format: string): string {
  const tableMatch = /^table(?:\s+|$)/.exec(format);
  const body = expandEscapes(tableMatch ? format.slice(tableMatch[0].length) || DEFAULT_COLUMNS : format);
  const template = compile(body);
  if (!tableMatch) return rows.map((row) => template((field) => field.value(row))).join('\n');
  const header = template((field) => field.header);
  return alignColumns([header, ...rows.map((row) => template((field) => field.value(row)))].join('\n'));
}

type Template = (fill: (field: Field) => string) => string;

/** Splits the template once into literal text and fields, rejecting placeholders we do not know. */
function compile(template: string): Template {
  const parts: Array<string | Field> = [];
  let last = 0;
  for (const match of template.matchAll(/\{\{(.*?)\}\}/gs)) {
    parts.push(template.slice(last, match.index));
    parts.push(fieldFor(match[0], match[1]));
    last = (match.index ?? 0) + match[0].length;
  }
  parts.push(template.slice(last));
  return (fill) => parts.map((part) => (typeof part === 'string' ? part : fill(part))).join('');
}

function fieldFor(placeholder: string, inner: string): Field {
  const name = /^\s*\.([A-Za-z]+)\s*$/.exec(inner)?.[1];
  if (name === undefined || !Object.hasOwn(FIELDS, name)) {
    const valid = Object.keys(FIELDS).map((key) => `{{.${key}}}`).join(' ');
    throw new UsageError(`unknown placeholder ${placeholder} in --format: use ${valid}`);
  }
  return FIELDS[name];
}

function expandEscapes(text: string): string {
  return text.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}
