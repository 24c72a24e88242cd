import { dockerUrl, type MachineRecord } from '../../core/machine-record';
import { findActiveMachine } from '../../engine/active';
import type { DockerSelection } from '../../engine/docker-config';
import { interruptedCreateMessage, isInterruptedCreate } from '../../services/interrupted-create';
import { type LsRow, swarmColumn } from './ls-row';

/** What is known of a machine without asking anyone: also what a machine that timed out shows. */
export function baseRow(record: MachineRecord, selection: DockerSelection): LsRow {
  return {
    name: record.name,
    active: findActiveMachine([record], selection) ? '*' : '-',
    driver: record.driver,
    state: '',
    url: dockerUrl(record) ?? '',
    docker: '',
    errors: '',
    labels: record.engine.labels,
    swarm: swarmColumn(record),
  };
}

/**
 * `ls --cached`: a row from the record alone, no network. A ready machine's live state is unknown
 * (blank); what the store itself knows is shown: a create in progress, one interrupted (its creator is
 * a local process, checked without the network), one that failed, a removal under way.
 */
export async function cachedRow(record: MachineRecord, selection: DockerSelection): Promise<LsRow> {
  const row = baseRow(record, selection);
  switch (record.status) {
    case 'creating':
      return (await isInterruptedCreate(record)) ? { ...row, state: 'Error (interrupted)', errors: interruptedCreateMessage(record) } : { ...row, state: 'Creating' };
    case 'error':
      return { ...row, state: 'Error', errors: `${record.error?.phase ?? 'create'}: ${record.error?.message ?? 'failed'}` };
    case 'removing':
      return { ...row, state: 'Removing' };
    default:
      return row;
  }
}

export function brokenRow(name: string, problem: string, driver: string | undefined): LsRow {
  return { name, active: '-', driver: driver ?? '', state: 'Error', url: '', docker: '', errors: problem, labels: [] };
}
