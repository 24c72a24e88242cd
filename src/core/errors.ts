/**
 * Expected failures. Each carries a stable code, the process exit code, and suggestions that name the fix.
 * Anything else a command throws (oclif's own parse errors aside) is a bug: MachineCommand.catch says so,
 * asks for a report with the --debug output, shows the stack under --debug, and exits with `bug`.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  preCreate: 3,
  /** Something went wrong that `machine` did not expect: not the user's doing, and worth a report. */
  bug: 10,
  /** Ctrl-C (SIGINT): 128 + 2, as a shell reports a program the signal ended. */
  interrupted: 130,
  /** SIGTERM: 128 + 15. */
  terminated: 143,
} as const;

/** The exit code of a command stopped by `signal`, as a shell would report it. */
export function exitCodeForSignal(signal: NodeJS.Signals | undefined): number {
  return signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted;
}

export interface MachineErrorOptions {
  code: string;
  exit?: number;
  suggestions?: string[];
  cause?: unknown;
  /** Facts for scripts, shown under the error in --json output (never secrets). */
  details?: Record<string, unknown>;
}

export class MachineError extends Error {
  readonly code: string;
  readonly exit: number;
  readonly suggestions: string[];
  readonly details?: Record<string, unknown>;

  constructor(message: string, options: MachineErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.exit = options.exit ?? ExitCode.failed;
    this.suggestions = options.suggestions ?? [];
    if (options.details) this.details = options.details;
  }
}

/** Bad input: a flag, an argument or a name. Exit 2. */
export class UsageError extends MachineError {
  constructor(message: string, suggestions: string[] = []) {
    super(message, { code: 'USAGE', exit: ExitCode.usage, suggestions });
  }
}

export class MachineNotFoundError extends MachineError {
  constructor(name: string) {
    super(`machine "${name}" does not exist`, {
      code: 'MACHINE_NOT_FOUND',
      suggestions: ['list machines with `machine ls`', `create it with \`machine create --driver DRIVER ${name}\``],
    });
  }
}

export class MachineExistsError extends MachineError {
  constructor(name: string) {
    super(`machine "${name}" already exists`, {
      code: 'MACHINE_EXISTS',
      exit: ExitCode.usage,
      suggestions: [`pick another name, or remove it first with \`machine rm ${name}\``],
    });
  }
}

/** The driver cannot do this operation at all (not a transient failure). */
export class NotSupportedError extends MachineError {
  constructor(driver: string, operation: string, suggestion?: string) {
    super(`${operation} is not supported by the ${driver} driver`, {
      code: 'NOT_SUPPORTED',
      suggestions: suggestion ? [suggestion] : [],
    });
  }
}

/** A pre-create check failed: nothing was made. Exit 3, as docker-machine did. */
export class PreCreateCheckError extends MachineError {
  constructor(message: string, suggestions: string[] = [], cause?: unknown) {
    super(message, { code: 'PRE_CREATE_CHECK', exit: ExitCode.preCreate, suggestions, cause });
  }
}

/** Something outside our control misbehaved at a named step (SSH, provisioning, the engine). */
export class OperationError extends MachineError {
  constructor(code: string, message: string, suggestions: string[] = [], cause?: unknown) {
    super(message, { code, suggestions, cause });
  }
}

/**
 * The user interrupted create (Ctrl-C, or SIGTERM); what was made is rolled back. The abort signal's
 * reason names the signal when the command aborted it for one, which picks the exit code (130 or 143).
 */
export function createInterrupted(signal?: AbortSignal, cause?: unknown): MachineError {
  const reason: unknown = signal?.reason;
  const byTerm = reason === 'SIGTERM';
  return new MachineError(byTerm ? 'create was stopped (SIGTERM)' : 'create was interrupted', {
    code: 'INTERRUPTED',
    exit: byTerm ? ExitCode.terminated : ExitCode.interrupted,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Between the steps of create: stop here if the user interrupted it. */
export function throwIfCreateInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw createInterrupted(signal);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
