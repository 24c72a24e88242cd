import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OperationError } from '../../src/core/errors';
import { withStoreLock } from '../../src/core/store/lock';
import { exists, writeFileAtomic } from '../../src/core/fs-atomic';

/**
 * Named local networks for QEMU machines (`--qemu-network NAME`): a second NIC on a QEMU socket
 * multicast network, bound to 127.0.0.1 so no frame ever leaves this host. It has no DHCP server, so
 * each machine's address is handed out here, under the store lock, and written to
 * STORE/qemu/networks.json with the network's group, port and subnet; an address listed there is not
 * handed out again until `rm` releases it. Entries of machines whose folder is gone are dropped as stale.
 */

export interface NetworkPlan {
  name: string;
  /** Multicast group (IPv4) and UDP port every VM of the network joins. */
  group: string;
  port: number;
  /** The network's /24: its first three octets, e.g. `192.168.140`. */
  subnetPrefix: string;
}

export interface NetworkLease extends NetworkPlan {
  /** The machine's address on the network (no prefix length). */
  address: string;
  prefixLength: 24;
}

interface NetworkEntry extends NetworkPlan {
  /** machine name -> address */
  hosts: Record<string, string>;
}

type NetworksFile = Record<string, NetworkEntry>;

export function networksFile(storePath: string): string {
  return path.join(storePath, 'qemu', 'networks.json');
}

/**
 * Group, port and subnet derived from the name, so two stores naming the same network agree without
 * talking, and different names rarely collide: groups in the organisation-local scope 239.192.0.0/14,
 * ports in 40000-59999, subnets 192.168.100-199.0/24 (away from Docker's own 172.17+/10.0 pools).
 */
export function planFor(name: string): NetworkPlan {
  const digest = createHash('sha256').update(`machine-qemu-network:${name}`).digest();
  const group = `239.${192 + (digest[0] % 4)}.${digest[1]}.${1 + (digest[2] % 254)}`;
  const port = 40000 + (digest.readUInt16BE(3) % 20000);
  const subnetPrefix = `192.168.${100 + (digest[5] % 100)}`;
  return { name, group, port, subnetPrefix };
}

/** The machine's address on `name` (the same one again when it already has one). */
export async function leaseAddress(storePath: string, name: string, machineName: string): Promise<NetworkLease> {
  return withStoreLock(storePath, async () => {
    const networks = await liveNetworks(storePath);
    const entry = networks[name] ?? { ...planFor(name), hosts: {} };
    let address = entry.hosts[machineName];
    if (address === undefined) {
      const taken = new Set(Object.values(entry.hosts));
      // .1 stays free for a host-side bridge one may add later; .255 is the broadcast address.
      for (let host = 2; host < 255 && address === undefined; host++) {
        const candidate = `${entry.subnetPrefix}.${host}`;
        if (!taken.has(candidate)) address = candidate;
      }
      if (address === undefined) throw new OperationError('QEMU_NETWORK_FULL', `QEMU network "${name}" has no free address left (${entry.subnetPrefix}.2-254 are all taken)`, ['remove machines from it, or use another --qemu-network name']);
      entry.hosts[machineName] = address;
    }
    networks[name] = entry;
    await writeNetworks(storePath, networks);
    return { name, group: entry.group, port: entry.port, subnetPrefix: entry.subnetPrefix, address, prefixLength: 24 };
  });
}

/** Gives the machine's address back; a network left with no machine is forgotten. */
export async function releaseAddress(storePath: string, machineName: string): Promise<void> {
  const file = networksFile(storePath);
  if (!(await exists(file))) return;
  await withStoreLock(storePath, async () => {
    const networks = await readNetworks(storePath);
    let changed = false;
    for (const [name, entry] of Object.entries(networks)) {
      if (entry.hosts[machineName] === undefined) continue;
      delete entry.hosts[machineName];
      if (Object.keys(entry.hosts).length === 0) delete networks[name];
      changed = true;
    }
    if (changed) await writeNetworks(storePath, networks);
  });
}

async function liveNetworks(storePath: string): Promise<NetworksFile> {
  const networks = await readNetworks(storePath);
  for (const entry of Object.values(networks)) {
    for (const owner of Object.keys(entry.hosts)) {
      const alive = await exists(path.join(storePath, 'machines', owner));
      if (!alive) delete entry.hosts[owner];
    }
  }
  return networks;
}

async function readNetworks(storePath: string): Promise<NetworksFile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(networksFile(storePath), 'utf8'));
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const networks: NetworksFile = {};
  for (const [name, value] of Object.entries(parsed)) {
    const entry = readEntry(name, value);
    if (entry) networks[name] = entry;
  }
  return networks;
}

/** An entry as written; anything else is dropped (its addresses are then handed out afresh). */
function readEntry(name: string, value: unknown): NetworkEntry | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.group !== 'string' || typeof v.port !== 'number' || typeof v.subnetPrefix !== 'string' || typeof v.hosts !== 'object' || v.hosts === null) return undefined;
  const hosts = Object.fromEntries(Object.entries(v.hosts).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return { name, group: v.group, port: v.port, subnetPrefix: v.subnetPrefix, hosts };
}

async function writeNetworks(storePath: string, networks: NetworksFile): Promise<void> {
  const file = networksFile(storePath);
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${JSON.stringify(networks, null, 2)}\n`);
}

/**
 * What cloud-init runs at every boot (bootcmd, early in its network stage) to give the NIC with `mac`
 * its address: a systemd-networkd file matching that MAC (Debian and Ubuntu cloud images run networkd;
 * the file sorts before a catch-all DHCP one), then networkd restarted through systemd's private socket
 * (D-Bus is not up yet). Where networkd does not run, the address is set directly with ip(8).
 *
 * A second file leaves docker's own links to docker: a catch-all `[Match] Type=ether` network (as on the
 * test image) also matches the host side of docker's veth pairs, and networkd then takes them off their
 * bridge (it sets the master a .network file names, none here), so docker_gwbridge loses its ports and
 * the swarm routing mesh answers "no route to host".
 */
/** A printf format: each backslash-n in it is a line break. */
const DOCKER_LINKS_UNIT = '[Match]\\nName=veth* docker* br-*\\n\\n[Link]\\nUnmanaged=yes\\n';

export function guestAddressScript(mac: string, lease: Pick<NetworkLease, 'address' | 'prefixLength'>): string {
  const cidr = `${lease.address}/${lease.prefixLength}`;
  const unit = `[Match]\\nMACAddress=${mac}\\n\\n[Network]\\nAddress=${cidr}\\nLinkLocalAddressing=no\\n`;
  return [
    'mkdir -p /etc/systemd/network',
    `printf '${unit}' > /etc/systemd/network/10-machine-cluster.network`,
    `printf '${DOCKER_LINKS_UNIT}' > /etc/systemd/network/05-machine-docker-links.network`,
    'if systemctl is-enabled --quiet systemd-networkd.service 2>/dev/null; then systemctl restart systemd-networkd.service;',
    `else dev=$(ip -o link | awk -v m=${mac} '$0 ~ m {sub(":", "", $2); print $2; exit}'); [ -n "$dev" ] && ip link set "$dev" up && ip addr replace ${cidr} dev "$dev"; fi`,
  ].join('\n');
}
