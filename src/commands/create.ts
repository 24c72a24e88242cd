import { Args, Flags } from '@oclif/core';
import { MachineCommand } from '../cli/base-command';
import { driverFlagsFor, engineOptionsFrom } from '../cli/create-request';
import { engineFlags, tlsFlags } from '../cli/engine-flags';
import { allDriverFlags, driverNamesWithAliases } from '../services/driver-registry';
import { driverNamedIn } from '../cli/create-help';
import { type DriverCatalog, driverCatalog } from '../services/driver-catalog';
import { installedPluginsOf } from '../services/installed-plugins';
import type { DriverFlags } from '../core/driver';
import { UsageError, exitCodeForSignal } from '../core/errors';
import { validateName } from '../core/store/machine-store';
import { validateCreateInput } from '../cli/create-validation';
import { machineCommandLine } from '../cli/store-hints';
import { createMachine } from '../services/create-machine';
import { dockerUrl } from '../core/machine-record';
import { promises as fs } from 'node:fs';
import { type SwarmMemberOutcome, assertCanJoinAtCreate, swarmAtCreate } from '../services/swarm-create';

export interface CreateResult {
  name: string;
  driver: string;
  url: string;
  dockerVersion: string;
  timings: Array<{ phase: string; ms: number }>;
  totalMs: number;
  /** With --swarm-manager or --swarm-join: the machine's place in the swarm. */
  swarm?: SwarmMemberOutcome;
}

export default class Create extends MachineCommand<typeof Create> {
  static override summary = 'create a machine: make the host, install the engine, secure it with mutual TLS';
  static override description = `Makes (or takes) a host with the chosen driver, waits for SSH and pins its host key, installs the engine from a verified apt repository, issues certificates and configures dockerd for TLS. When it finishes, \`eval "$(machine env NAME)"\` points docker at it.`;
  static override examples = [
    '<%= config.bin %> create --driver generic --generic-ip-address 203.0.113.5 --generic-ssh-user admin --generic-ssh-key ~/.ssh/id_ed25519 web1',
    '<%= config.bin %> create --driver generic --generic-ip-address 203.0.113.5 --engine-install distro --engine-label env=staging web2',
    '<%= config.bin %> create --driver qemu dev1',
    '<%= config.bin %> create --driver amazonec2 --amazonec2-region eu-west-1 --amazonec2-instance-type t3.medium dev2',
  ];
  static override enableJsonFlag = true;
  static override args = { name: Args.string({ description: 'machine name (letters, digits, "." and "-")', required: true }) };
  static override flags = createFlags({});

  private catalog?: DriverCatalog;

  /**
   * A plugin driver's flags are declared only when a command line names that driver: its descriptor
   * then loads before the flags are parsed. The built-in drivers' flags are always declared (the
   * manifest and plain help list them).
   */
  override async init(): Promise<void> {
    this.catalog = driverCatalog(installedPluginsOf(this.config.getPluginsList()));
    const named = driverNamedIn(this.argv) ?? process.env.MACHINE_DRIVER;
    const plugin = named === undefined ? undefined : this.catalog.find(named);
    // oclif parses with the class's flags; one process runs one command, so they are set afresh from the built-in list each time.
    Create.flags = createFlags(plugin?.plugin ? plugin.flags : {});
    await super.init();
  }

  /** Set while the create pipeline runs: an interrupt then aborts it (and so rolls back). */
  private createInProgress?: AbortController;

  async run(): Promise<CreateResult> {
    const { flags, args } = this;
    // Every check that needs no host comes first: a refusal here leaves the store as it was.
    validateName(args.name);
    const driver = (this.catalog ?? driverCatalog([])).find(flags.driver);
    const explicitlySet = await this.explicitlySetFlags();
    const driverConfig = driver.configFromFlags(driverFlagsFor(driver, flags as Record<string, unknown>, explicitlySet));
    const engine = engineOptionsFrom(flags, driver.enginePort(driverConfig));
    validateCreateInput({ name: args.name, engine, sans: flags['tls-san'] ?? [] });
    if (flags['engine-repo-key']) await assertReadable(flags['engine-repo-key']);
    const joinManager = flags['swarm-join'];
    const swarm = flags['swarm-manager'] ? { init: true as const } : joinManager ? { join: joinManager } : undefined;
    if (joinManager) await assertCanJoinAtCreate(this.app, joinManager);

    const controller = new AbortController();
    this.createInProgress = controller;
    const progress = this.progress();
    if (!this.jsonEnabled()) this.logToStderr(`Creating machine "${args.name}" with the ${driver.name} driver`);
    try {
      const outcome = await createMachine(
        this.app,
        {
          name: args.name,
          driver,
          driverConfig,
          engine,
          tls: { keyType: flags['tls-key-type'], sans: flags['tls-san'] ?? [] },
          ...(flags['engine-repo-key'] ? { engineRepoKeyFile: flags['engine-repo-key'] } : {}),
          keepOnFailure: flags['keep-on-failure'],
          imageCache: flags['image-cache'],
          signal: controller.signal,
        },
        progress,
      );
      const url = dockerUrl(outcome.record) ?? '';
      if (!this.jsonEnabled()) {
        this.log(`Machine "${args.name}" is ready: engine ${outcome.dockerVersion} at ${url} (${(progress.totalMs() / 1000).toFixed(1)}s)`);
        this.log(`Point your docker CLI at it: eval "$(${machineCommandLine(this.config.bin, this.storePathFlag, ['env', args.name])})"`);
      }
      const member = swarm ? await swarmAtCreate(this.app, args.name, swarm) : undefined;
      if (member && !this.jsonEnabled()) this.log(`"${args.name}" is a ${member.role} of swarm ${member.clusterId.slice(0, 12)} at ${member.advertiseAddr} (${(member.ms / 1000).toFixed(1)}s).`);
      return { name: args.name, driver: driver.name, url, dockerVersion: outcome.dockerVersion, timings: outcome.timings, totalMs: progress.totalMs(), ...(member ? { swarm: member } : {}) };
    } finally {
      this.createInProgress = undefined;
    }
  }

  /**
   * Once the pipeline runs, the first Ctrl-C (or SIGTERM) rolls back what was made and exits 130 (143);
   * a second one quits at once. Before that, nothing was made: the plain interrupt.
   */
  protected override interrupted(signal: NodeJS.Signals): void {
    const controller = this.createInProgress;
    if (!controller) return super.interrupted(signal);
    if (controller.signal.aborted) process.exit(exitCodeForSignal(signal));
    this.logToStderr('interrupted: cleaning up (press Ctrl-C again to quit at once)');
    // The reason names the signal, which picks the exit code (src/core/errors.ts, createInterrupted).
    controller.abort(signal);
  }

  /** Flags the user typed (not defaults), to catch another driver's flags. */
  private async explicitlySetFlags(): Promise<Set<string>> {
    const { raw } = await this.parse(Create);
    return new Set(raw.filter((token) => token.type === 'flag').map((token) => (token as { flag: string }).flag));
  }
}

/** create's flags: the common ones, every built-in driver's, and `extra` (the named plugin driver's). */
function createFlags(extra: DriverFlags) {
  return {
    driver: Flags.string({ char: 'd', env: 'MACHINE_DRIVER', description: `driver: ${driverNamesWithAliases()}, or one a plugin brings (\`machine drivers\`)`, required: true }),
    'keep-on-failure': Flags.boolean({ description: 'keep what was made when create fails (for debugging)' }),
    'image-cache': Flags.boolean({
      allowNo: true,
      default: true,
      description: 'local VM drivers (qemu): boot from the provisioned image of the same base image and engine when the cache has one, and keep one after a full provisioning (the negated form does neither)',
    }),
    'swarm-manager': Flags.boolean({ description: 'make the new machine the first manager of a new swarm', exclusive: ['swarm-join'] }),
    'swarm-join': Flags.string({ description: 'join the new machine to the swarm of this manager, as a worker', exclusive: ['swarm-manager'] }),
    ...engineFlags,
    ...tlsFlags,
    ...allDriverFlags(),
    ...(extra as ReturnType<typeof allDriverFlags>),
  };
}

async function assertReadable(file: string): Promise<void> {
  try {
    await fs.access(file);
  } catch {
    throw new UsageError(`--engine-repo-key ${file} does not exist`);
  }
}
