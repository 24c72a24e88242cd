/** One line of `machine ls`: what the listing knows about a machine, already as text. */
export interface LsRow {
  name: string;
  /** '*' when $DOCKER_HOST points at it, '-' when not, '' when unknown (timed out). */
  active: '*' | '-' | '';
  driver: string;
  /** Running, Stopped, Timeout, Error... ('' when not asked). */
  state: string;
  url: string;
  /** 'v27.3.1', 'Unknown' when the engine did not answer, '' when not asked. */
  docker: string;
  errors: string;
  /** Engine labels, `key=value`. */
  labels: string[];
  /** How long the probe took, when it ran. */
  responseMs?: number;
  /** The machine's swarm role as its record has it ('-' for none); absent where no record was read. */
  swarm?: SwarmColumn;
}

export type SwarmColumn = 'manager' | 'worker' | '-';

/** The SWARM column from the record alone: `ls` asks no engine for it. */
export function swarmColumn(record: { swarm?: { role: 'manager' | 'worker' } }): SwarmColumn {
  return record.swarm?.role ?? '-';
}
