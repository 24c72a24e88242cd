import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { driverCatalog } from '../../../src/services/driver-catalog';
import type { ContractBacking } from './backing';
import { machineFolderResources } from './machine-folder';
import { installedPluginAt, sampleDriverRoot } from './plugin-driver';
import { SAMPLE_CONTRACT, type SharedHost, contractVm } from './shared-vm';

/**
 * The sample plugin driver's backing: the contract file's shared VM as the leased host, and a folder
 * of lease files as its "cloud". What exists of a machine is its lease files (found by the machine's
 * name, never through the journal) and any driver file in the machine folder.
 */
export function sampleBacking(): ContractBacking {
  let host: SharedHost | undefined;
  const plugin = installedPluginAt(sampleDriverRoot);
  let leaseDir = '';
  const started = (): SharedHost => {
    if (!host) throw new Error('the sample backing was not set up');
    return host;
  };
  const leasesOf = async (name: string): Promise<string[]> => {
    const files = await fs.readdir(leaseDir).catch(() => []);
    return files.filter((file) => file.startsWith(`${name}-`) && file.endsWith('.lease')).map((file) => path.join(leaseDir, file));
  };
  return {
    driver: 'sample',
    vanished: { state: 'NotFound' },
    plugin,
    async setUp() {
      leaseDir = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-sample-leases-'));
      host = await contractVm.take(SAMPLE_CONTRACT);
    },
    configFor() {
      return driverCatalog([plugin])
        .find('sample')
        .configFromFlags({
          'sample-host': started().vm.host,
          'sample-ssh-port': started().vm.sshPort,
          'sample-ssh-user': started().vm.user,
          'sample-ssh-key': started().keyFile,
          'sample-lease-dir': leaseDir,
        });
    },
    // Leases are files: nothing can refuse a call part-way.
    refusals: [],
    refuseNext: () => undefined,
    stopRefusing: () => undefined,
    processEnv: () => ({}),
    async leftovers(machine) {
      const leases = (await leasesOf(machine.name)).map((file) => ({ description: `lease ${path.basename(file)}`, journaledAs: [{ kind: 'lease', id: file }] }));
      return [...leases, ...(await machineFolderResources(machine.dir))];
    },
    async vanish(machine) {
      // The lease is revoked behind the driver's back, as a provider's console would end it.
      for (const file of await leasesOf(machine.name)) await fs.rm(file);
    },
    async tearDown() {
      await contractVm.done(SAMPLE_CONTRACT);
      if (leaseDir) await fs.rm(leaseDir, { recursive: true, force: true });
    },
  };
}
