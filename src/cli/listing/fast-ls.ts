import { parseArgs } from 'node:util';
import { defaultStorePath } from '../../core/store-layout';
import { currentDockerSelection } from '../../engine/docker-config';
import { MachineApp } from '../../services/app';
import { matchesFilter, parseFilters } from './ls-filter';
import { renderFormat, renderTable, sortRows } from './ls-format';
import { baseRow, brokenRow, cachedRow } from './store-rows';
import { isDebugEnabled } from '../../util/debug';

/**
 * `machine ls --cached` and `machine ls -q` answer from the store alone, and a fleet's scripts call
 * them often: without oclif (about 70 ms to load) they answer in well under 150 ms. This prints what
 * the oclif command prints for those forms, through the same row and rendering functions. Anything
 * else (a live listing, --json, help, a bad flag, any error) answers false and the full command runs.
 * test/cli/listing/fast-ls.test.ts keeps these options in step with the command's flags.
 */
export const FAST_LS_OPTIONS = {
  cached: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  filter: { type: 'string', multiple: true },
  format: { type: 'string', short: 'f' },
  timeout: { type: 'string', short: 't' },
  'storage-path': { type: 'string', short: 's' },
} as const;

export async function runFastLs(argv: string[], write: (text: string) => void = (t) => process.stdout.write(t)): Promise<boolean> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: FAST_LS_OPTIONS, allowPositionals: false, strict: true });
    // DEBUG or MACHINE_DEBUG asks to see what happens: the full command shows it.
    if (positionals.length > 0 || isDebugEnabled()) return false;
    const filters = values.filter ?? [];
    // -q with a state filter needs live states: only the full command asks for them.
    const fromStore = values.cached === true || (values.quiet === true && !filters.some((f) => f.toLowerCase().startsWith('state=')));
    if (!fromStore) return false;
    const filter = parseFilters(filters);
    const app = new MachineApp(values['storage-path'] ?? defaultStorePath());
    const entries = await app.store.entries();
    const selection = await currentDockerSelection(process.env);
    const records = entries.flatMap((e) => ('record' in e ? [e.record] : []));
    const rows = values.cached ? await Promise.all(records.map((r) => cachedRow(r, selection))) : records.map((r) => baseRow(r, selection));
    rows.push(...entries.flatMap((e) => ('problem' in e ? [brokenRow(e.name, e.problem, e.driver)] : [])));
    const shown = sortRows(rows.filter((row) => matchesFilter(row, filter)));
    if (values.quiet) write(shown.map((row) => `${row.name}\n`).join(''));
    else write(`${values.format ? renderFormat(shown, values.format) : renderTable(shown)}\n`);
    return true;
  } catch {
    return false;
  }
}
