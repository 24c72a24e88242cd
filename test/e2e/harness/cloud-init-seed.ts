import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { buildIso } from '../../../src/images/iso9660';
import { shellQuote } from '../../../src/util/shell-quote';

/** A second NIC on a shared socket network, with a fixed address (that network has no DHCP server). */
export interface StaticNic {
  mac: string;
  /** CIDR, e.g. `192.168.76.11/24`. */
  address: string;
}

export interface SeedOptions {
  instanceId: string;
  hostname: string;
  user: string;
  authorizedKey: string;
  passwordlessSudo: boolean;
  staticNic?: StaticNic;
}

/** JSON is valid YAML; quoting every scalar this way keeps user input from changing the document's shape. */
function yamlString(value: string): string {
  return JSON.stringify(value);
}

function staticNicCommands(nic: StaticNic): string[] {
  const networkFile = `[Match]\nMACAddress=${nic.mac}\n\n[Network]\nAddress=${nic.address}\nLinkLocalAddressing=no\n`;
  // bootcmd runs in cloud-init's network stage, before sshd (see build-image.sh), so the address is in
  // place when the harness reports the VM ready. The file sorts before the image's DHCP-for-all file.
  // networkd is already running by then and D-Bus is not (so no `networkctl reload`): restart it through
  // systemd's private socket instead.
  const script = `printf '%s' ${shellQuote(networkFile)} > /etc/systemd/network/10-machine-test-extra.network && systemctl restart systemd-networkd.service`;
  return ['bootcmd:', `  - [ sh, -c, ${yamlString(script)} ]`];
}

export function renderUserData(options: SeedOptions): string {
  const lines = [
    '#cloud-config',
    'users:',
    `  - name: ${yamlString(options.user)}`,
    '    shell: /bin/bash',
    '    lock_passwd: true',
    '    ssh_authorized_keys:',
    `      - ${yamlString(options.authorizedKey.trim())}`,
  ];
  if (options.passwordlessSudo) lines.push(`    sudo: ${yamlString('ALL=(ALL) NOPASSWD:ALL')}`);
  lines.push('ssh_pwauth: false');
  if (options.staticNic) lines.push(...staticNicCommands(options.staticNic));
  return `${lines.join('\n')}\n`;
}

export function renderMetaData(options: SeedOptions): string {
  return `instance-id: ${yamlString(options.instanceId)}\nlocal-hostname: ${yamlString(options.hostname)}\n`;
}

/** Writes a NoCloud seed ISO (volume label `cidata`, which cloud-init looks for) with the project's own ISO writer and returns its path. */
export async function writeSeedIso(dir: string, options: SeedOptions): Promise<string> {
  const isoPath = path.join(dir, 'seed.iso');
  const iso = buildIso({
    volumeId: 'cidata',
    files: [
      { name: 'user-data', content: Buffer.from(renderUserData(options)) },
      { name: 'meta-data', content: Buffer.from(renderMetaData(options)) },
    ],
  });
  await fs.writeFile(isoPath, iso);
  return isoPath;
}
