import { Flags } from '@oclif/core';
import { MachineCommand } from '../cli/base-command';
import { type LsRow, swarmColumn } from '../cli/listing/ls-row';
import { dockerUrl, type MachineRecord } from '../core/machine-record';
import { findActiveMachine } from '../engine/active';
import { type DockerSelection, currentDockerSelection } from '../engine/docker-config';
import { matchesFilter, parseFilters } from '../cli/listing/ls-filter';
import { collectRows } from '../cli/listing/collect';
import { renderFormat, renderTable, sortRows } from '../cli/listing/ls-format';
import { probeMachine } from '../services/probe-machine';

export default class Ls extends MachineCommand<typeof Ls> {
  static override summary = 'list machines';
  static override description = 'States and engine versions are fetched concurrently; a machine that does not answer within --timeout is shown as Timeout without slowing the others.';
  static override examples = [
    '<%= config.bin %> ls',
    '<%= config.bin %> ls --filter driver=generic --filter state=Running',
    "<%= config.bin %> ls --format '{{.Name}} {{.URL}}'",
    '<%= config.bin %> ls -q',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    filter: Flags.string({ multiple: true, description: 'keep machines matching key=value: name (regex), driver, state, label' }),
    quiet: Flags.boolean({ char: 'q', description: 'print names only' }),
    format: Flags.string({ char: 'f', description: 'template with {{.Name}} {{.Active}} {{.DriverName}} {{.State}} {{.URL}} {{.DockerVersion}} {{.Error}}' }),
    timeout: Flags.integer({ char: 't', default: 10, min: 1, description: 'seconds to wait for each machine' }),
  };

  async run(): Promise<LsRow[]> {
    const { flags } = this;
    const filter = parseFilters(flags.filter ?? []);
    const entries = await this.app.store.entries();
    const records = entries.flatMap((e) => ('record' in e ? [e.record] : []));
    this.selection = await currentDockerSelection(process.env);
    const needsLiveState = !flags.quiet || (flags.filter ?? []).some((f) => f.toLowerCase().startsWith('state='));
    const rows = await collectRows(records, (record, signal) => this.row(record, needsLiveState, !flags.quiet, signal), {
      timeoutMs: flags.timeout * 1000,
      fallbackRow: (record) => this.baseRow(record),
    });
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

  private async row(record: MachineRecord, live: boolean, withEngine: boolean, signal: AbortSignal): Promise<LsRow> {
    const base = this.baseRow(record);
    if (!live) return base;
    const started = Date.now();
    const status = await probeMachine(this.app, record, { withEngine, signal });
    return { ...base, state: status.state, docker: status.dockerVersion ?? '', errors: status.error ?? '', responseMs: Date.now() - started };
  }

  /** What is known without asking anyone: also what a machine that timed out shows. */
  private baseRow(record: MachineRecord): LsRow {
    return {
      name: record.name,
      active: findActiveMachine([record], this.selection) ? '*' : '-',
      driver: record.driver,
      state: '',
      url: dockerUrl(record) ?? '',
      docker: '',
      errors: '',
      labels: record.engine.labels,
      swarm: swarmColumn(record),
    };
  }
}

function brokenRow(name: string, problem: string, driver: string | undefined): LsRow {
  return { name, active: '-', driver: driver ?? '', state: 'Error', url: '', docker: '', errors: problem, labels: [] };
}
