import { promises as fs } from 'node:fs';
import { OperationError } from '../core/errors';
import { NAME_PATTERN, dockerUrl, engineTransport, type MachineRecord } from '../core/machine-record';
import type { StoreLayout } from '../core/store-layout';
import type { DockerContextSpec } from './docker-context-store';

/** Every machine's docker context is named `machine-NAME`: one prefix, so ours are told from the user's own. */
const PREFIX = 'machine-';

export function contextNameFor(machineName: string): string {
  return `${PREFIX}${machineName}`;
}

/** The machine a context is named after, or undefined for any other context. */
export function machineOfContext(contextName: string): string | undefined {
  if (!contextName.startsWith(PREFIX)) return undefined;
  const name = contextName.slice(PREFIX.length);
  return NAME_PATTERN.test(name) ? name : undefined;
}

/** The context that points the docker CLI at a machine: its engine URL and the client material of its folder. */
export async function machineContextSpec(record: MachineRecord, layout: StoreLayout): Promise<DockerContextSpec> {
  const host = dockerUrl(record);
  if (!host) throw new OperationError('NO_ADDRESS', `machine "${record.name}" has no address yet`, [`check its state with \`machine status ${record.name}\``]);
  const description = `machine ${record.name} (${record.driver} driver)`;
  // ssh:// contexts: the docker CLI runs the system ssh, which the store's ssh_config tells the key and host key.
  if (engineTransport(record) === 'ssh') return { name: contextNameFor(record.name), description, host };
  const [ca, cert, key] = await Promise.all(
    (['ca.pem', 'cert.pem', 'key.pem'] as const).map((file) => fs.readFile(layout.machineFile(record.name, file), 'utf8')),
  );
  return { name: contextNameFor(record.name), description, host, tls: { ca, cert, key } };
}
