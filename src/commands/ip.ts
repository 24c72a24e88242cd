import { Args } from '@oclif/core';
import { MachineCommand } from '../cli/base-command';

export default class Ip extends MachineCommand<typeof Ip> {
  static override summary = 'print the IP address of one or more machines';
  static override examples = ['<%= config.bin %> ip dev1', '<%= config.bin %> ip dev1 dev2'];
  static override enableJsonFlag = true;
  static override strict = false;
  static override args = { names: Args.string({ description: 'machine names (default: the machine named "default")' }) };

  async run(): Promise<Array<{ name: string; ip: string }>> {
    const names = await this.targetNames();
    const results = await Promise.all(
      names.map(async (name) => {
        const record = await this.app.store.load(name);
        const ip = await (await this.app.driverFor(record)).ip();
        return { name, ip };
      }),
    );
    // Printed in the order asked, whatever order the answers came in.
    for (const r of results) this.log(r.ip);
    return results;
  }
}
