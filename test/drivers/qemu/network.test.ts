import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { guestAddressScript, leaseAddress, networksFile, planFor, releaseAddress } from '../../../drivers/qemu/network';
import { qemuConfigFromFlags } from '../../../drivers/qemu/config';
import { buildQemuArgs, clusterMacFor, macFor } from '../../../drivers/qemu/qemu-args';

describe('QEMU local networks', () => {
  let store: string;
  beforeEach(async () => {
    store = await fs.mkdtemp(path.join(os.tmpdir(), 'qemu-net-'));
  });
  afterEach(() => fs.rm(store, { recursive: true, force: true }));

  const addMachine = (name: string) => fs.mkdir(path.join(store, 'machines', name), { recursive: true });

  it('derives group, port and subnet from the name: stable, in their ranges, different per name', () => {
    const a = planFor('cluster');
    expect(planFor('cluster')).toEqual(a);
    expect(a.group).toMatch(/^239\.(19[2-5])\.\d+\.\d+$/);
    expect(a.port).toBeGreaterThanOrEqual(40000);
    expect(a.port).toBeLessThan(60000);
    expect(a.subnetPrefix).toMatch(/^192\.168\.1\d\d$/);
    const b = planFor('other');
    expect([b.group, b.port]).not.toEqual([a.group, a.port]);
  });

  it('hands out distinct addresses to concurrent machines, the same one again to a machine that has one, and records them', async () => {
    await Promise.all(['m1', 'm2', 'm3', 'm4'].map(addMachine));
    const leases = await Promise.all(['m1', 'm2', 'm3', 'm4'].map((m) => leaseAddress(store, 'net', m)));
    const addresses = leases.map((l) => l.address);
    expect(new Set(addresses).size).toBe(4);
    for (const a of addresses) expect(a.startsWith(`${planFor('net').subnetPrefix}.`)).toBe(true);
    expect((await leaseAddress(store, 'net', 'm2')).address).toBe(addresses[1]);
    const recorded = JSON.parse(await fs.readFile(networksFile(store), 'utf8')) as Record<string, { hosts: Record<string, string> }>;
    expect(recorded.net.hosts).toEqual({ m1: addresses[0], m2: addresses[1], m3: addresses[2], m4: addresses[3] });
  });

  it('reuses a released address, drops stale holders, and forgets an empty network', async () => {
    await Promise.all(['m1', 'm2'].map(addMachine));
    const first = await leaseAddress(store, 'net', 'm1');
    await leaseAddress(store, 'net', 'm2');
    await releaseAddress(store, 'm1');
    await addMachine('m3');
    expect((await leaseAddress(store, 'net', 'm3')).address).toBe(first.address);
    // m2's folder vanished without rm: its address is free again for the next lease.
    await fs.rm(path.join(store, 'machines', 'm2'), { recursive: true });
    await addMachine('m4');
    const m4 = await leaseAddress(store, 'net', 'm4');
    const recorded = JSON.parse(await fs.readFile(networksFile(store), 'utf8')) as Record<string, { hosts: Record<string, string> }>;
    expect(Object.keys(recorded.net.hosts).sort()).toEqual(['m3', 'm4']);
    expect(m4.address).not.toBe(first.address);
    await releaseAddress(store, 'm3');
    await releaseAddress(store, 'm4');
    expect(JSON.parse(await fs.readFile(networksFile(store), 'utf8'))).toEqual({});
  });

  it('the guest script writes a networkd file matching the cluster NIC only', async () => {
    const mac = clusterMacFor('dev1');
    expect(mac).not.toBe(macFor('dev1'));
    const script = guestAddressScript(mac, { address: '192.168.150.7', prefixLength: 24 });
    // Run its file-writing line for real, into a scratch folder instead of /etc.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'qemu-net-guest-'));
    const writeLines = script.split('\n').filter((l) => l.startsWith('printf')).map((l) => l.replace('/etc/systemd/network', dir));
    expect(writeLines).toHaveLength(2);
    for (const line of writeLines) execFileSync('sh', ['-c', line]);
    expect(await fs.readFile(path.join(dir, '10-machine-cluster.network'), 'utf8')).toBe(`[Match]\nMACAddress=${mac}\n\n[Network]\nAddress=192.168.150.7/24\nLinkLocalAddressing=no\n`);
    // Docker's veths and bridges stay docker's: sorted first, unmanaged.
    expect(await fs.readFile(path.join(dir, '05-machine-docker-links.network'), 'utf8')).toBe('[Match]\nName=veth* docker* br-*\n\n[Link]\nUnmanaged=yes\n');
    await fs.rm(dir, { recursive: true });
    execFileSync('sh', ['-n', '-c', script]);
  });

  it('--qemu-network is validated and kept; the second NIC is a socket mcast bound to 127.0.0.1', () => {
    expect(qemuConfigFromFlags({ 'qemu-network': 'swarm-1' }).network).toBe('swarm-1');
    expect(qemuConfigFromFlags({}).network).toBeUndefined();
    expect(() => qemuConfigFromFlags({ 'qemu-network': 'Bad Name' })).toThrow(/--qemu-network must be/);
    const base = { machineName: 'dev1', arch: 'x64', accel: 'tcg' as const, cpus: 1, memoryMb: 512, diskPath: '/d', seedPath: '/s', sshPort: 1, enginePort: 2, guestEnginePort: 2376, pidfile: '/p', qmpSocket: '/q', serialLog: '/l', daemonize: true };
    expect(buildQemuArgs(base).join(' ')).not.toMatch(/net1/);
    const args = buildQemuArgs({ ...base, clusterNic: { group: '239.192.1.2', port: 45000, mac: clusterMacFor('dev1') } });
    expect(args).toEqual(expect.arrayContaining(['socket,id=net1,mcast=239.192.1.2:45000,localaddr=127.0.0.1', `virtio-net-pci,netdev=net1,mac=${clusterMacFor('dev1')}`]));
  });
});
