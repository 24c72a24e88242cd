import { Command, Flags, Interfaces } from '@oclif/core';
import { MachineApp } from '../services/app';
import { MachineError } from '../core/errors';
import { Progress, humanSink, jsonSink } from '../services/progress';
import { defaultStorePath } from '../core/store-layout';
import { debug, enableDebug } from '../util/debug';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof MachineCommand)['baseFlags'] & T['flags']>;
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/**
 * Every command: the store flag, --debug, --json, and one place that turns our errors into oclif's
 * (message, exit code, suggestions). Anything else that escapes is a bug and says so.
 */
export abstract class MachineCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    'storage-path': Flags.string({
      char: 's',
      env: 'MACHINE_STORAGE_PATH',
      description: 'where machines and certificates are stored',
      defaultHelp: async () => '~/.machine',
      helpGroup: 'GLOBAL',
    }),
    // Also before the command word (`machine --debug create ...`): bin/run.js moves it (src/cli/global-argv.ts).
    debug: Flags.boolean({
      description: 'print what machine does (SSH commands, API calls, retries) on stderr, secrets redacted',
      helpGroup: 'GLOBAL',
    }),
  };

  protected flags!: BaseFlags<T>;
  protected args!: BaseArgs<T>;
  /** Every positional argument, for commands that take several machine names. */
  protected positionals: string[] = [];
  private appInstance?: MachineApp;

  override async init(): Promise<void> {
    await super.init();
    const { flags, args, argv } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as typeof MachineCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as BaseFlags<T>;
    this.args = args as BaseArgs<T>;
    this.positionals = argv.map(String);
    if (this.flags.debug) enableDebug();
    debug('cli', () => `machine ${this.config.version} (node ${process.version}): ${[this.id, ...this.argv].join(' ')}`);
  }

  protected get app(): MachineApp {
    this.appInstance ??= new MachineApp(this.flags['storage-path'] ?? defaultStorePath());
    return this.appInstance;
  }

  /** The machines named on the command line, or `default` when none is. */
  protected async targetNames(): Promise<string[]> {
    return this.positionals.length > 0 ? this.positionals : [await this.app.resolveName(undefined)];
  }

  /**
   * Progress on stderr: NDJSON events with --json, else one line per phase, prefixed with the machine's
   * name when several machines work at once.
   */
  protected progress(prefix?: string): Progress {
    const write = (line: string) => this.logToStderr(line);
    // oclif silences logToStderr under --json, but the events are exactly what --json promises.
    if (this.jsonEnabled()) return new Progress(jsonSink((line) => process.stderr.write(`${line}\n`)));
    return new Progress(humanSink(prefix ? (line) => write(`${prefix}: ${line.trim()}`) : write));
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    if (err instanceof MachineError) {
      const detail = causeChain(err);
      return super.catch(
        Object.assign(new Error(detail ? `${err.message}\n${detail}` : err.message), {
          oclif: { exit: err.exit },
          code: err.code,
          suggestions: err.suggestions,
        }) as Error,
      );
    }
    return super.catch(err);
  }
}

/** "Caused by:" lines for wrapped lower-level errors, so the root cause is never hidden. */
function causeChain(err: Error): string {
  const lines: string[] = [];
  let cause: unknown = err.cause;
  while (cause instanceof Error && lines.length < 4) {
    lines.push(`Caused by: ${cause.message}`);
    cause = cause.cause;
  }
  return lines.join('\n');
}
