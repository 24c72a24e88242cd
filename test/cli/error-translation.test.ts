import { Errors, Flags, Parser } from '@oclif/core';
import { toOclifError } from '../../src/cli/base-command';
import { ExitCode, MachineNotFoundError, OperationError, UsageError } from '../../src/core/errors';

type Translated = Error & { oclif?: { exit?: number }; exitCode?: number; code?: string; suggestions?: string[] };

/** A real TypeError with a real stack: reading a field of a record that lacks it. */
function bug(): unknown {
  try {
    const record = JSON.parse('{"name":"m1"}') as { ssh: { port: number } };
    return record.ssh.port;
  } catch (err) {
    return err;
  }
}

describe('how a command error reaches oclif', () => {
  it('reports anything but a MachineError as a bug: exit 10, a request to report it, no stack', () => {
    const out = toOclifError(bug(), false) as Translated;
    expect(out.message.split('\n')).toEqual([
      "machine hit an unexpected error (a bug): Cannot read properties of undefined (reading 'port')",
      'Please report it, with the output of the same command run again with --debug.',
    ]);
    expect(out.oclif?.exit).toBe(ExitCode.bug);
    expect(out.exitCode).toBe(10);
    expect(out.code).toBe('BUG');
  });

  it('adds the stack, redacted, when debugging', () => {
    const err = new Error('token=abc123 went missing');
    const lines = toOclifError(err, true).message.split('\n');
    expect(lines[0]).toBe('machine hit an unexpected error (a bug): token=[redacted] went missing');
    expect(lines[2]).toBe('Error: token=[redacted] went missing');
    expect(lines.slice(3).length).toBeGreaterThan(0);
    expect(lines.slice(3).every((line) => /^\s+at /.test(line))).toBe(true);
    expect(lines.join('\n')).toContain('error-translation.test.ts');
    expect(lines.join('\n')).not.toContain('abc123');
  });

  it('reports a thrown non-Error as a bug too', () => {
    const out = toOclifError('just a string', true) as Translated;
    expect(out.message).toBe('machine hit an unexpected error (a bug): just a string\nPlease report it, with the output of the same command run again with --debug.');
    expect(out.oclif?.exit).toBe(10);
  });

  it('keeps a MachineError as it is meant: its exit code, code, suggestions and causes', () => {
    const usage = toOclifError(new UsageError('bad name', ['pick another']), true) as Translated;
    expect(usage).toMatchObject({ message: 'bad name', oclif: { exit: 2 }, exitCode: 2, code: 'USAGE', suggestions: ['pick another'] });
    const root = new Error('ECONNREFUSED');
    const wrapped = toOclifError(new OperationError('SSH_UNREACHABLE', 'cannot reach web1', [], new Error('connect failed', { cause: root })), false);
    expect(wrapped.message).toBe('cannot reach web1\nCaused by: connect failed\nCaused by: ECONNREFUSED');
    expect((toOclifError(new MachineNotFoundError('x'), false) as Translated).oclif?.exit).toBe(1);
  });

  it("passes oclif's own errors through untouched: a bad flag still exits 2", async () => {
    const parseError = await Parser.parse(['--bogus'], { flags: { quiet: Flags.boolean() } }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(parseError).toBeInstanceOf(Error);
    expect(toOclifError(parseError, true)).toBe(parseError);
    expect((parseError as Translated).oclif?.exit).toBe(2);

    const exit = (() => {
      try {
        Errors.exit(3);
      } catch (err) {
        return err;
      }
    })();
    expect(toOclifError(exit, false)).toBe(exit);
  });

  it('does not call Ctrl-C at a question a bug: it is an interrupt, exit 130', () => {
    const cancelled = Object.assign(new Error('User force closed the prompt with SIGINT'), { name: 'ExitPromptError' });
    expect(toOclifError(cancelled, false)).toMatchObject({ oclif: { exit: 130 }, exitCode: 130, code: 'INTERRUPTED', message: 'interrupted at the question; nothing was done' });
  });

  it("gives oclif's own errors their exit code under --json too (oclif reads exitCode there)", async () => {
    const parseError = await Parser.parse(['--bogus'], { flags: { quiet: Flags.boolean() } }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((toOclifError(parseError, false) as Translated).exitCode).toBe(2);
  });

  it('makes the hints in a message and its suggestions name the store given by --storage-path', () => {
    const out = toOclifError(new MachineNotFoundError('web1'), false, "/tmp/my store") as Translated;
    expect(out.suggestions).toEqual([
      "list machines with `machine --storage-path '/tmp/my store' ls`",
      "create it with `machine --storage-path '/tmp/my store' create --driver DRIVER web1`",
    ]);
    const failed = toOclifError(new OperationError('X', 'could not remove everything; `machine rm web1` retries'), false, '/s') as Translated;
    expect(failed.message).toBe('could not remove everything; `machine --storage-path /s rm web1` retries');
    expect((toOclifError(new MachineNotFoundError('web1'), false) as Translated).suggestions?.[0]).toBe('list machines with `machine ls`');
  });
});
