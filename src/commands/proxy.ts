import { Args, Flags } from '@oclif/core';
import * as path from 'node:path';
import { MachineCommand } from '../cli/base-command';
import { engineProxyFor } from '../services/engine-proxy';

export default class Proxy extends MachineCommand<typeof Proxy> {
  static override summary = "serve a machine's engine on a local unix socket, over SSH";
  static override description =
    "Listens on a local unix socket (mode 0600) and carries each of its connections to the machine's /var/run/docker.sock over one SSH connection (no engine port needed), reconnecting when that connection drops. Prints the DOCKER_HOST to use, and runs until Ctrl-C or SIGTERM, which remove the socket.";
  static override examples = ['<%= config.bin %> proxy dev1', '<%= config.bin %> proxy dev1 --socket /tmp/dev1.sock'];
  static override args = {
    name: Args.string({ description: 'machine name', required: true }),
  };
  static override flags = {
    socket: Flags.string({ description: "path of the local socket (default: engine.sock in the machine's folder)" }),
  };

  /** Set while the proxy serves: Ctrl-C and SIGTERM are how it is meant to end (exit 0), socket removed first. */
  private stopServing?: (signal: NodeJS.Signals) => void;

  protected override interrupted(signal: NodeJS.Signals): void {
    if (this.stopServing) this.stopServing(signal);
    else super.interrupted(signal);
  }

  async run(): Promise<void> {
    const record = await this.app.record(this.args.name);
    const socketPath = path.resolve(this.flags.socket ?? path.join(this.app.layout.machineDir(record.name), 'engine.sock'));
    const proxy = engineProxyFor(this.app, record, socketPath);
    await proxy.start();
    process.stdout.write(`DOCKER_HOST=unix://${socketPath}\n`);
    process.stderr.write(`machine proxy: "${record.name}" is served on ${socketPath}; Ctrl-C stops it\n`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      this.stopServing = resolve;
    });
    await proxy.stop();
    process.stderr.write(`machine proxy: stopped (${signal}); ${socketPath} removed\n`);
  }
}
