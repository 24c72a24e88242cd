import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { findDriver } from '../../../src/services/driver-registry';
import { type TestVm, bootVm, generateTestKeyPair } from '../harness/vm';
import type { ContractBacking } from './backing';
import { machineFolderResources } from './machine-folder';

/**
 * The generic driver's backing: a real Debian VM with sshd, standing for a host the user already has.
 * The driver makes nothing there, so nothing of a machine may be left but what the core keeps.
 */
export function genericBacking(): ContractBacking {
  let vm: TestVm | undefined;
  let keyFile = '';
  const started = (): TestVm => {
    if (!vm) throw new Error('the generic backing was not set up');
    return vm;
  };
  return {
    driver: 'generic',
    vanished: {
      state: 'Stopped',
      cannotTell:
        'the generic driver only sees whether sshd answers at the address it was given; a host that was deleted and one that is powered off both stay silent, and the host was never the driver\'s to know',
    },
    async setUp(storePath) {
      const keys = generateTestKeyPair();
      keyFile = path.join(path.dirname(storePath), `${path.basename(storePath)}-generic-key`);
      await fs.writeFile(keyFile, keys.privateKey, { mode: 0o600 });
      vm = await bootVm({ variant: 'base', name: 'contract-generic', authorizedKey: keys.publicKey, privateKey: keys.privateKey });
    },
    configFor() {
      return findDriver('generic').configFromFlags({
        'generic-ip-address': started().host,
        'generic-ssh-port': started().sshPort,
        'generic-ssh-user': started().user,
        'generic-ssh-key': keyFile,
      });
    },
    // The driver asks the host for nothing during create.
    refusals: [],
    refuseNext: () => undefined,
    stopRefusing: () => undefined,
    processEnv: () => ({}),
    leftovers: (machine) => machineFolderResources(machine.dir),
    async vanish() {
      // The host is deleted with its disk, as a provider's console does.
      await started().stop();
    },
    async tearDown() {
      await vm?.stop();
      if (keyFile) await fs.rm(keyFile, { force: true });
    },
  };
}
