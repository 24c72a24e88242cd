import type { MachineApp } from './app';
import type { MachineRecord, SshEndpoint } from '../core/machine-record';
import { carryPins } from '../ssh/known-hosts';

/**
 * After a start, a cloud host may answer at a new address (EC2 without an Elastic IP). The record
 * follows the driver's endpoint, and the pinned host key moves with it, so the next connection is
 * still checked against the key we pinned at create.
 */
export async function followSshEndpoint(app: MachineApp, record: MachineRecord, now: SshEndpoint): Promise<MachineRecord> {
  if (!record.ssh) return record;
  if (now.host === record.ssh.host && now.port === record.ssh.port) return record;
  await carryPins(app.layout.machineFile(record.name, 'known_hosts'), record.ssh, now);
  return app.store.update(record.name, (r) => {
    if (r.ssh) r.ssh = { ...r.ssh, host: now.host, port: now.port };
  });
}
