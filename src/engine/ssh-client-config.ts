import * as path from 'node:path';
import { OperationError } from '../core/errors';
import { sshHostAlias, type MachineRecord } from '../core/machine-record';
import { isHostAddress } from '../util/host-address';
import type { StoreLayout } from '../core/store-layout';

/**
 * OpenSSH client configuration for the store's machines, so the system `ssh` (and the docker CLI's
 * ssh:// transport, which runs it) reaches a machine by its alias `machine-NAME` with the machine's
 * key and only the host key pinned at create. The user adds one line to ~/.ssh/config,
 * `Include STORE/ssh_config`; `machine` never edits files outside its store.
 */

/** The file the user includes: it includes every machine's own. */
export function storeSshConfigPath(layout: StoreLayout): string {
  return path.join(layout.root, 'ssh_config');
}

export function machineSshConfigPath(layout: StoreLayout, name: string): string {
  return path.join(layout.machineDir(name), 'ssh_config');
}

export function renderStoreSshConfig(layout: StoreLayout): string {
  return [
    '# Written by machine: each machine as Host machine-NAME. Add to ~/.ssh/config:',
    `#   Include ${quoted(storeSshConfigPath(layout))}`,
    `Include ${quoted(path.join(layout.machinesDir, '*', 'ssh_config'))}`,
    '',
  ].join('\n');
}

/** The machine's Host block; undefined while it has no SSH endpoint. */
export function renderMachineSshConfig(record: MachineRecord, layout: StoreLayout): string | undefined {
  if (!record.ssh) return undefined;
  const { host, port, user, keyPath } = record.ssh;
  // Values from a record on disk become configuration lines: each must be what it claims, so none can add a line of its own.
  if (!isHostAddress(host) || !Number.isInteger(port) || port < 1 || port > 65535 || !/^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/.test(user)) {
    throw new OperationError('RECORD_INVALID_ADDRESS', `machine "${record.name}" has an SSH endpoint that cannot go into an ssh_config: ${JSON.stringify({ host, port, user })}`, [
      `the record (config.json) was changed outside machine; \`machine rm ${record.name}\` and create it again`,
    ]);
  }
  const lines = [
    `# Written by machine for ${record.name}; rewritten when its address or key changes.`,
    `Host ${sshHostAlias(record.name)}`,
    `  HostName ${host}`,
    `  Port ${port}`,
    `  User ${user}`,
    ...(keyPath ? [`  IdentityFile ${quoted(layout.resolve(keyPath))}`, '  IdentitiesOnly yes'] : []),
    // Only the key pinned at create is accepted: a host that presents another one is refused, never learned.
    `  UserKnownHostsFile ${quoted(layout.machineFile(record.name, 'known_hosts'))}`,
    '  StrictHostKeyChecking yes',
    '  UpdateHostKeys no',
    '',
  ];
  return lines.join('\n');
}

/** Does this ~/.ssh/config text include the store's file? (An `Include` naming its path, quoted or not.) */
export function includesStoreSshConfig(userConfig: string, layout: StoreLayout, home: string): boolean {
  const wanted = path.resolve(storeSshConfigPath(layout));
  return userConfig.split('\n').some((line) => {
    const match = /^\s*include\s+(.+)$/i.exec(line);
    if (!match) return false;
    return match[1].split(/\s+(?=(?:[^"]*"[^"]*")*[^"]*$)/).some((arg) => {
      const unquoted = arg.replace(/^"(.*)"$/, '$1');
      return path.resolve(unquoted.replace(/^~(?=\/)/, home)) === wanted;
    });
  });
}

/** OpenSSH's configuration takes double quotes around an argument with spaces, and has no way to escape one. */
function quoted(value: string): string {
  if (value.includes('"') || value.includes('\n')) throw new Error(`a path with a double quote or a line break cannot be written into an ssh_config: ${JSON.stringify(value)}`);
  return /\s/.test(value) ? `"${value}"` : value;
}
