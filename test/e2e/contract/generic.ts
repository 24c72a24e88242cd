import { findDriver } from '../../../src/services/driver-registry';
import type { ContractBacking } from './backing';
import { machineFolderResources } from './machine-folder';
import { GENERIC_CONTRACT, type SharedHost, contractVm } from './shared-vm';

/**
 * The generic driver's backing: a real Debian VM with sshd (the contract file's shared VM), standing
 * for a host the user already has. The driver makes nothing there, so nothing of a machine may be
 * left but what the core keeps.
 */
export function genericBacking(): ContractBacking {
  let host: SharedHost | undefined;
  const started = (): SharedHost => {
    if (!host) throw new Error('the generic backing was not set up');
    return host;
  };
  return {
    driver: 'generic',
    vanished: {
      state: 'Stopped',
      cannotTell:
        'the generic driver only sees whether sshd answers at the address it was given; a host that was deleted and one that is powered off both stay silent, and the host was never the driver\'s to know',
    },
    async setUp() {
      host = await contractVm.take(GENERIC_CONTRACT);
    },
    configFor() {
      return findDriver('generic').configFromFlags({
        'generic-ip-address': started().vm.host,
        'generic-ssh-port': started().vm.sshPort,
        'generic-ssh-user': started().vm.user,
        'generic-ssh-key': started().keyFile,
      });
    },
    // The driver asks the host for nothing during create.
    refusals: [],
    refuseNext: () => undefined,
    stopRefusing: () => undefined,
    processEnv: () => ({}),
    leftovers: (machine) => machineFolderResources(machine.dir),
    async vanish() {
      // The host is deleted with its disk, as a provider's console does. The generic contract is the
      // shared VM's last user (shared-vm.ts), so nothing after it needs the host.
      await started().vm.stop();
    },
    async tearDown() {
      await contractVm.done(GENERIC_CONTRACT);
    },
  };
}
