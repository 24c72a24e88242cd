import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CreateContext, DriverEnvironment } from '../../../src/core/driver';
import type { ResourceRecord } from '../../../src/core/machine-record';
import type { HypervConfig } from '../../../drivers/hyperv/config';
import { HypervDriver } from '../../../drivers/hyperv/hyperv-driver';
import type { ScriptName, ScriptRunner } from '../../../drivers/hyperv/powershell';
import { makeTempDir } from '../../helpers/tmp-store';

/**
 * The driver's order of work against a scripted ScriptRunner (the PowerShell side cannot run here;
 * the emulator end-to-end test runs the whole thing): each resource is journaled before the script
 * that makes it, the VM is found by id once known, addresses are read as the guest reports them,
 * and rm removes the VM and exactly the machine's files.
 */
type Call = { script: ScriptName; parameters: Record<string, unknown> };

class ScriptedRunner implements ScriptRunner {
  readonly calls: Call[] = [];
  constructor(private readonly answer: (call: Call, index: number) => unknown) {}
  async run(script: ScriptName, parameters: Record<string, unknown>): Promise<unknown> {
    const call = { script, parameters };
    this.calls.push(call);
    const result = this.answer(call, this.calls.length - 1);
    if (result instanceof Error) throw result;
    return result;
  }
}

const windowsFacts = { platform: 'Win32NT', osVersion: 'x', psVersion: '5.1', computerName: 'H', hyperVModule: true, isAdministrator: true, isHyperVAdministrator: false, switches: [{ name: 'Default Switch', type: 'Internal' }], vmNameTaken: false, hyperVError: null };

describe('HypervDriver', () => {
  let store: string;
  let machineDir: string;
  let image: string;

  beforeEach(async () => {
    store = await makeTempDir('hyperv-driver-');
    machineDir = path.join(store, 'machines', 'dev1');
    await fs.mkdir(machineDir, { recursive: true });
    image = path.join(store, 'image.raw');
    await fs.writeFile(image, Buffer.alloc(2 * 1024 * 1024, 1));
  });

  afterEach(() => fs.rm(store, { recursive: true, force: true }));

  const envWith = (state: Record<string, unknown> = {}): DriverEnvironment<HypervConfig> => ({
    machineName: 'dev1',
    machineDir,
    storePath: store,
    sshKeyPath: path.join(machineDir, 'id_ed25519'),
    state,
    resources: [],
    config: { image, memoryMb: 1024, cpuCount: 2, diskSizeMb: 4096, dynamicMemory: true, secureBoot: true, vlanId: 5 },
  });

  it('checks the host, caches the image as a VHD, journals each resource before making it, and answers the IPv4 address', async () => {
    const journal: Array<{ kind: string; after: number }> = [];
    const remembered: Record<string, unknown> = {};
    let gets = 0;
    const runner = new ScriptedRunner((call) => {
      switch (call.script) {
        case 'host-facts':
          return windowsFacts;
        case 'new-disk':
          return { path: call.parameters.path, sizeBytes: call.parameters.sizeBytes };
        case 'new-vm':
          return { id: 'A1B2' };
        case 'start-vm':
          return { state: 'Running' };
        case 'get-vm':
          // Booting: no address, then only a link-local one, then the real one.
          gets++;
          return { found: true, id: 'A1B2', name: 'dev1', state: 'Running', addresses: gets === 1 ? [] : gets === 2 ? ['fe80::1'] : ['fe80::1', '172.20.0.7'] };
        default:
          return new Error(`unexpected ${call.script}`);
      }
    });
    const driver = new HypervDriver(envWith(), { runner, addressPollMs: 10 });
    await driver.preCreateCheck();
    expect(await fs.readdir(path.join(store, 'cache', 'images'))).toEqual(expect.arrayContaining([expect.stringMatching(/^[0-9a-f]{64}\.vhd$/)]));

    const ctx: CreateContext = {
      journal: async (r: ResourceRecord) => void journal.push({ kind: r.kind, after: runner.calls.length }),
      remember: async (s) => void Object.assign(remembered, s),
      progress: () => undefined,
      signal: new AbortController().signal,
      sshPublicKey: 'ssh-ed25519 AAAA test',
    };
    const created = await driver.create(ctx);
    expect(created).toEqual({ ip: '172.20.0.7', ssh: { host: '172.20.0.7', port: 22, user: 'machine', keyPath: path.join(machineDir, 'id_ed25519') }, addresses: ['172.20.0.7'] });

    const order = runner.calls.map((c) => c.script);
    expect(order).toEqual(['host-facts', 'new-disk', 'new-vm', 'start-vm', 'get-vm', 'get-vm', 'get-vm']);
    // Each resource is journaled before the script that makes it runs.
    expect(journal).toEqual([
      { kind: 'hyperv-disk', after: 1 },
      { kind: 'hyperv-seed', after: 2 },
      { kind: 'hyperv-vm', after: 2 },
    ]);
    expect(remembered).toMatchObject({ vmId: 'A1B2', switchName: 'Default Switch', imageSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const newVm = runner.calls[2]?.parameters;
    expect(newVm).toEqual({
      name: 'dev1', marker: `machine dev1 ${machineDir}`, path: path.join(machineDir, 'hyperv'), memoryMb: 1024, cpuCount: 2, dynamicMemory: true,
      diskPath: path.join(machineDir, 'disk.vhdx'), seedPath: path.join(machineDir, 'seed.iso'), switchName: 'Default Switch',
      macAddress: null, vlanId: 5, secureBoot: true, secureBootTemplate: 'MicrosoftUEFICertificateAuthority',
    });
    expect(runner.calls[1]?.parameters).toMatchObject({ source: expect.stringMatching(/\.vhd$/), sizeBytes: 4096 * 1024 * 1024 });
    // Before the id is known the VM is found by name and note; after, by id.
    expect(runner.calls[3]?.parameters).toEqual({ id: 'A1B2', name: 'dev1', marker: `machine dev1 ${machineDir}` });
    const seed = await fs.readFile(path.join(machineDir, 'seed.iso'));
    expect(seed.includes(Buffer.from('ssh-ed25519 AAAA test'))).toBe(true);
  });

  it('maps states, answers NotFound for a vanished VM, and refuses an address for a VM that is off', async () => {
    let answer: unknown = { found: true, id: 'A1B2', name: 'dev1', state: 'Off', addresses: [] };
    const driver = new HypervDriver(envWith({ vmId: 'A1B2' }), { runner: new ScriptedRunner(() => answer) });
    expect(await driver.state()).toBe('Stopped');
    await expect(driver.ip()).rejects.toMatchObject({ code: 'HYPERV_NOT_RUNNING' });
    answer = { found: false };
    expect(await driver.state()).toBe('NotFound');
  });

  it('rm removes the VM and exactly the disk, the seed and the VM folder; a VM already gone is fine', async () => {
    for (const f of ['disk.vhdx', 'seed.iso', 'config.json', 'id_ed25519']) await fs.writeFile(path.join(machineDir, f), 'x');
    await fs.mkdir(path.join(machineDir, 'hyperv', 'dev1', 'Virtual Machines'), { recursive: true });
    let removed = true;
    const runner = new ScriptedRunner(() => ({ removed }));
    const driver = new HypervDriver(envWith({ vmId: 'A1B2' }), { runner });
    expect(await driver.remove()).toEqual([]);
    expect(runner.calls).toEqual([{ script: 'remove-vm', parameters: { id: 'A1B2', name: 'dev1', marker: `machine dev1 ${machineDir}` } }]);
    expect((await fs.readdir(machineDir)).sort()).toEqual(['config.json', 'id_ed25519']);
    removed = false;
    expect(await driver.remove()).toEqual(['the Hyper-V VM A1B2 was already gone']);
  });
});
