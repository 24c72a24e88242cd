import { Args } from '@oclif/core';
import { MachineCommand } from '../cli/base-command';
import { OperationError } from '../core/errors';
import { isHostAddress } from '../util/host-address';

export default class Ip extends MachineCommand<typeof Ip> {
  static override summary = 'print the IP address of one or more machines';
  static override examples = ['<%= config.bin %> ip dev1', '<%= config.bin %> ip dev1 dev2'];
  static override enableJsonFlag = true;
  static override strict = false;
  static override args = { names: Args.string({ description: 'machine names (default: the machine named "default")' }) };

  async run(): Promise<Array<{ name: string; ip: string }>> {
    const names = await this.targetNames();
    // Printed in the order asked, whatever order the answers came in.
    return this.eachMachine(
      names,
      async (name) => ({ name, ip: checkedAddress(name, await (await this.app.driverFor(await this.app.store.load(name))).ip()) }),
      (r) => r.ip,
    );
  }
}

/** The driver's answer (a cloud API's, a hypervisor's) goes on command lines (`ssh user@$(machine ip dev1)`): an address or nothing. */
function checkedAddress(name: string, ip: string): string {
  if (!isHostAddress(ip)) throw new OperationError('INVALID_ADDRESS', `the driver of machine "${name}" answered an address that is not one: ${JSON.stringify(ip)}`);
  return ip;
}
