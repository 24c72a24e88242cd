import { Args, Flags } from '@oclif/core';
import { MachineCommand } from '../cli/base-command';
import { confirmOrRefuse } from '../cli/confirm';
import { type ReprovisionOutcome, reprovision } from '../services/reprovision';

export default class RegenerateCerts extends MachineCommand<typeof RegenerateCerts> {
  static override summary = "issue a new server certificate for machines (and optionally a new CA and client certificate)";
  static override description = 'Rotates certificates and restarts dockerd with them; nothing is reinstalled. With --client-certs the CA and client certificate are replaced too: every other machine then needs regenerate-certs as well.';
  static override examples = ['<%= config.bin %> regenerate-certs --force dev1', '<%= config.bin %> regenerate-certs --force --client-certs dev1'];
  static override enableJsonFlag = true;
  static override strict = false;
  static override args = { names: Args.string({ description: 'machine names (default: the machine named "default")' }) };
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'do not ask for confirmation' }),
    'client-certs': Flags.boolean({ description: 'also replace the CA and the client certificate' }),
  };

  async run(): Promise<ReprovisionOutcome[]> {
    const names = await this.targetNames();
    if (!this.flags.force) {
      const ok = await confirmOrRefuse(`Regenerate TLS certificates for ${names.join(', ')}? dockerd restarts`, '--force');
      if (!ok) return [];
    }
    const results: ReprovisionOutcome[] = [];
    // One after another: a CA rotation must finish before any machine gets a server cert from it.
    for (const [index, name] of names.entries()) {
      const record = await this.app.store.load(name);
      results.push(await reprovision(this.app, record, this.progress(name), { newServerCert: true, rotateClientCerts: this.flags['client-certs'] && index === 0 }));
      this.log(`Machine "${name}": new certificates in place, engine ${results[results.length - 1].dockerVersion}.`);
    }
    return results;
  }
}
