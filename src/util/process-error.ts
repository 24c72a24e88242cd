import { OperationError } from '../core/errors';
import { shellCommandLine } from './shell-quote';

/** How a child process failed; callers branch on this (a missing program is often a different message). */
export type ProcessFailure = 'not-found' | 'cannot-start' | 'exit' | 'signal' | 'timeout' | 'aborted';

/** How many lines of a failed program's output its error message carries: enough for the cause, not a log. */
export const OUTPUT_TAIL_LINES = 20;

export interface ProcessFailureDetails {
  file: string;
  args: readonly string[];
  failure: ProcessFailure;
  stdout: string;
  stderr: string;
  exitCode?: number;
  signal?: string;
  timeoutMs?: number;
  /** What the operating system said when the program could not be started. */
  reason?: string;
}

const CODES: Record<ProcessFailure, string> = {
  'not-found': 'PROCESS_NOT_FOUND',
  'cannot-start': 'PROCESS_FAILED',
  exit: 'PROCESS_FAILED',
  signal: 'PROCESS_FAILED',
  timeout: 'PROCESS_TIMEOUT',
  // The same code as every other interruption, so a cancelled create reports it the same way.
  aborted: 'INTERRUPTED',
};

/**
 * A child process that did not succeed. The message names the command line (as it would be typed into
 * sh) and ends with the last lines the program wrote to stderr, which is where programs say why.
 */
export class ProcessError extends OperationError {
  readonly file: string;
  readonly args: readonly string[];
  readonly commandLine: string;
  readonly failure: ProcessFailure;
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stdout: string;
  readonly stderr: string;

  constructor(details: ProcessFailureDetails) {
    const commandLine = shellCommandLine([details.file, ...details.args]);
    super(CODES[details.failure], messageFor(commandLine, details));
    this.file = details.file;
    this.args = details.args;
    this.commandLine = commandLine;
    this.failure = details.failure;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stdout = details.stdout;
    this.stderr = details.stderr;
  }

  /** The program is not installed (or not on PATH): callers often say which package provides it. */
  get notFound(): boolean {
    return this.failure === 'not-found';
  }
}

function messageFor(commandLine: string, details: ProcessFailureDetails): string {
  const head = headline(commandLine, details);
  const tail = outputTail(details);
  return tail === '' ? head : `${head}:\n${tail}`;
}

function headline(commandLine: string, details: ProcessFailureDetails): string {
  switch (details.failure) {
    case 'not-found':
      return `${commandLine} could not start: ${details.file} is not installed or not on PATH`;
    case 'cannot-start':
      return `${commandLine} could not start: ${details.reason ?? 'unknown reason'}`;
    case 'exit':
      return `${commandLine} exited with status ${details.exitCode}`;
    case 'signal':
      return `${commandLine} was killed by ${details.signal}`;
    case 'timeout':
      return `${commandLine} did not finish within ${seconds(details.timeoutMs ?? 0)} and was stopped`;
    case 'aborted':
      return `${commandLine} was interrupted`;
  }
}

/** The end of stderr; of stdout when stderr is empty, since a few tools report their errors there. */
function outputTail(details: ProcessFailureDetails): string {
  const text = details.stderr.trim() || details.stdout.trim();
  return lastLines(text, OUTPUT_TAIL_LINES);
}

export function lastLines(text: string, count: number): string {
  const lines = text.split('\n');
  return lines.length <= count ? text : lines.slice(-count).join('\n');
}

function seconds(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 100) / 10}s`;
}
