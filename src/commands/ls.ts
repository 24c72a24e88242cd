import { Flags } from '@oclif/core';
import { MachineCommand } from '../cli/base-command';
import type { LsRow } from '../cli/listing/ls-row';
import type { MachineRecord } from '../core/machine-record';
import { type DockerSelection, currentDockerSelection } from '../engine/docker-config';
import { matchesFilter, parseFilters } from '../cli/listing/ls-filter';
import { collectRows } from '../cli/listing/collect';
import { renderFormat, renderTable, sortRows } from '../cli/listing/ls-format';
import { baseRow, brokenRow, cachedRow } from '../cli/listing/store-rows';
import { type BatchedState, startBatchedStates } from '../services/batch-states';
import { probeMachine } from '../services/probe-machine';

export default class Ls extends MachineCommand<typeof Ls> {
  static override summary = 'list machines';
  static override description =
    'States and engine versions are fetched concurrently (one cloud call per region where the cloud allows it); a machine that does not answer within --timeout is shown as Timeout without slowing the others. --cached and --quiet answer from the store alone, without the network.';
  static override examples = [
    '<%= config.bin %> ls',
    '<%= config.bin %> ls --filter driver=generic --filter state=Running',
    "<%= config.bin %> ls --format '{{.Name}} {{.URL}}'",
    '<%= config.bin %> ls -q',
    '<%= config.bin %> ls --cached',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    filter: Flags.string({ multiple: true, description: 'keep machines matching key=value: name (regex), driver, state, label' }),
    quiet: Flags.boolean({ char: 'q', description: 'print names only' }),
    cached: Flags.boolean({ description: 'answer from the store alone: no driver or engine is asked (states show only what the store knows)' }),
    format: Flags.string({ char: 'f', description: 'template with {{.Name}} {{.Active}} {{.DriverName}} {{.State}} {{.URL}} {{.DockerVersion}} {{.Error}}' }),
    timeout: Flags.integer({ char: 't', default: 10, min: 1, description: 'seconds to wait for each machine' }),
  };

  async run(): Promise<LsRow[]> {
    const { flags } = this;
    const filter = parseFilters(flags.filter ?? []);
    const entries = await this.app.store.entries();
    const records = entries.flatMap((e) => ('record' in e ? [e.record] : []));
    this.selection = await currentDockerSelection(process.env);
    const needsLiveState = !flags.cached && (!flags.quiet || (flags.filter ?? []).some((f) => f.toLowerCase().startsWith('state=')));
    let rows: LsRow[];
    if (flags.cached) {
      rows = await Promise.all(records.map((record) => cachedRow(record, this.selection)));
    } else {
      const batched = needsLiveState ? startBatchedStates(this.app, records) : new Map<string, Promise<BatchedState | undefined>>();
      rows = await collectRows(records, (record, signal) => this.row(record, needsLiveState, !flags.quiet, signal, batched.get(record.name)), {
        timeoutMs: flags.timeout * 1000,
        fallbackRow: (record) => baseRow(record, this.selection),
      });
    }
    // A record that does not read is listed with the reason, beside the others, never instead of them.
    rows.push(...entries.flatMap((e) => ('problem' in e ? [brokenRow(e.name, e.problem, e.driver)] : [])));
    const shown = sortRows(rows.filter((row) => matchesFilter(row, filter)));
    if (!this.jsonEnabled()) {
      if (flags.quiet) for (const row of shown) this.log(row.name);
      else this.log(flags.format ? renderFormat(shown, flags.format) : renderTable(shown));
    }
    return shown;
  }

  /** What plain `docker` talks to (DOCKER_HOST or a docker context), read once per listing. */
  private selection: DockerSelection = { kind: 'default' };

  private async row(record: MachineRecord, live: boolean, withEngine: boolean, signal: AbortSignal, batched: Promise<BatchedState | undefined> | undefined): Promise<LsRow> {
    const base = baseRow(record, this.selection);
    if (!live) return base;
    const started = Date.now();
    const status = await probeMachine(this.app, record, { withEngine, signal, ...(batched ? { batched } : {}) });
    return { ...base, state: status.state, docker: status.dockerVersion ?? '', errors: status.error ?? '', responseMs: Date.now() - started };
  }
}
