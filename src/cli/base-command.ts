import * as path from 'node:path';
import { Command, Flags, Interfaces } from '@oclif/core';
import { MachineApp } from '../services/app';
import { ExitCode, MachineError, errorMessage, exitCodeForSignal } from '../core/errors';
import { Progress, humanSink, jsonSink } from '../services/progress';
import { defaultStorePath } from '../core/store-layout';
import { forEachMachine } from './each-machine';
import { debug, enableDebug, isDebugEnabled, redact } from '../util/debug';
import { withStoreInHints } from './store-hints';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof MachineCommand)['baseFlags'] & T['flags']>;
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/**
 * Every command: the store flag, --debug, --json, and one place that turns our errors into oclif's
 * (message, exit code, suggestions). Anything else that escapes is a bug and says so (exit 10). The
 * exit codes hold in every mode, --json included: 2 for bad usage (any flag or argument oclif cannot
 * parse), 130 for Ctrl-C and 143 for SIGTERM at any moment of any command.
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
  /** The store as --storage-path gave it (absolute), for the hints this command prints; undefined otherwise. */
  protected storePathFlag?: string;
  private appInstance?: MachineApp;
  private readonly onSignal = (signal: NodeJS.Signals): void => this.interrupted(signal);

  override async init(): Promise<void> {
    await super.init();
    // From the start: a Ctrl-C while flags are read or the store is opened is an interrupt too.
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    const { flags, args, argv, raw } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as typeof MachineCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    }).catch((err: unknown) => {
      throw asUsageError(err);
    });
    this.flags = flags as BaseFlags<T>;
    this.args = args as BaseArgs<T>;
    this.positionals = argv.map(String);
    const typedStore = raw.some((token) => token.type === 'flag' && token.flag === 'storage-path');
    if (typedStore && this.flags['storage-path'] !== undefined) this.storePathFlag = path.resolve(this.flags['storage-path']);
    if (this.flags.debug) enableDebug();
    debug('cli', () => `machine ${this.config.version} (node ${process.version}): ${[this.id, ...this.argv].join(' ')}`);
  }

  override async finally(err: Error | undefined): Promise<void> {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    await super.finally(err);
  }

  /**
   * Ctrl-C or SIGTERM: by default the command stops at once with 130 (143 for SIGTERM). Store writes
   * are atomic and the store lock is released on exit, so nothing is left half done. Commands with
   * something to undo (create rolls back) or a child that decides (docker) override this.
   */
  protected interrupted(signal: NodeJS.Signals): void {
    const exitCode = exitCodeForSignal(signal);
    process.stderr.write(`\ninterrupted (${signal})\n`);
    // --json promises an error object on stdout for every failure; an interrupt is one.
    if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify({ error: { code: 'INTERRUPTED', message: `interrupted (${signal})`, exitCode } }, null, 2)}\n`);
    process.exit(exitCode);
  }

  protected get app(): MachineApp {
    this.appInstance ??= new MachineApp(this.flags['storage-path'] ?? defaultStorePath());
    return this.appInstance;
  }

  /** A hint (`machine ...` in backticks) that names this command's store when --storage-path gave it. */
  protected hint(text: string): string {
    return withStoreInHints(text, this.storePathFlag);
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
    const write = (line: string) => this.logToStderr(this.hint(line));
    // oclif silences logToStderr under --json, but the events are exactly what --json promises.
    if (this.jsonEnabled()) return new Progress(jsonSink((line) => process.stderr.write(`${this.hint(line)}\n`)));
    return new Progress(humanSink(prefix ? (line) => write(`${prefix}: ${line.trim()}`) : write));
  }

  /**
   * Runs `work` for each named machine at once; each success is printed with `describe` and each
   * failure on stderr, all in the order named, before a summary error when any failed.
   */
  protected eachMachine<R>(names: readonly string[], work: (name: string) => Promise<R>, describe: (result: R) => string): Promise<R[]> {
    return forEachMachine(names, work, {
      succeeded: (result) => this.log(describe(result)),
      failed: (name, message) => this.logToStderr(`${name}: ${this.hint(message)}`),
    });
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    return super.catch(toOclifError(err, isDebugEnabled(), this.storePathFlag));
  }

  /**
   * The --json form of an error: what a script needs (code, message, exit code, suggestions, the
   * error's own details), not oclif's parse state (which holds the whole configuration).
   */
  protected override toErrorJson(err: unknown): unknown {
    if (!(err instanceof Error)) return { error: { code: 'BUG', message: String(err), exitCode: ExitCode.bug } };
    const { parse: _parse, oclif, showHelp: _showHelp, skipOclifErrorHandling: _skip, ...rest } = err as Error & Record<string, unknown>;
    const exitCode = (oclif as { exit?: number } | undefined)?.exit ?? ExitCode.failed;
    return { error: { code: 'ERROR', ...rest, message: err.message, exitCode } };
  }
}

/**
 * oclif's parser fails with exit 1 for some mistakes (a flag given twice); every failure to read the
 * command line is bad usage, exit 2, as the README promises.
 */
function asUsageError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const oclif = (err as { oclif?: { exit?: number } }).oclif;
  return Object.assign(err, { oclif: { ...oclif, exit: ExitCode.usage }, exitCode: ExitCode.usage, code: 'USAGE' });
}

/**
 * What a command threw, as oclif should print it and exit. MachineErrors carry their own message, exit
 * code and suggestions. oclif's errors (a bad flag, `this.exit()`) pass untouched. Anything else is a
 * bug: it says so, asks for a report, and exits 10; its stack (redacted) only with `withStack`, since
 * it means nothing to most users. `exitCode` is set as well as `oclif.exit` because under --json
 * oclif takes the exit code from the former.
 */
export function toOclifError(err: unknown, withStack: boolean, storePathFlag?: string): Error {
  if (err instanceof MachineError) {
    const detail = causeChain(err);
    const message = detail ? `${err.message}\n${detail}` : err.message;
    return Object.assign(new Error(withStoreInHints(message, storePathFlag)), {
      oclif: { exit: err.exit },
      exitCode: err.exit,
      code: err.code,
      suggestions: err.suggestions.map((suggestion) => withStoreInHints(suggestion, storePathFlag)),
      ...err.details,
    });
  }
  if (err instanceof Error && err.name === 'ExitPromptError') {
    // Ctrl-C at a yes/no question (@inquirer/prompts): an interrupt like any other, not a bug.
    return Object.assign(new Error('interrupted at the question; nothing was done'), {
      oclif: { exit: ExitCode.interrupted },
      exitCode: ExitCode.interrupted,
      code: 'INTERRUPTED',
    });
  }
  if (err instanceof Error && isOclifError(err)) {
    // Under --json oclif takes the exit code from `exitCode`, which its own errors lack.
    const exit = (err as Error & { oclif: { exit?: number } }).oclif.exit ?? ExitCode.failed;
    return Object.assign(err, { exitCode: exit });
  }
  const lines = [
    // Redacted like debug output: this text is meant to be pasted into a report.
    `machine hit an unexpected error (a bug): ${redact(errorMessage(err))}`,
    'Please report it, with the output of the same command run again with --debug.',
  ];
  if (withStack && err instanceof Error && err.stack) lines.push(redact(err.stack));
  return Object.assign(new Error(lines.join('\n')), { oclif: { exit: ExitCode.bug }, exitCode: ExitCode.bug, code: 'BUG' });
}

/** oclif's own errors (CLIError and its kin: parse failures, `this.exit()`) carry their exit code in `oclif`. */
function isOclifError(err: Error): boolean {
  const oclif = (err as { oclif?: unknown }).oclif;
  return typeof oclif === 'object' && oclif !== null;
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
