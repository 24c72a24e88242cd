import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProcessError } from '../../src/util/process-error';
import { runProcess, type ProcessResult } from '../../src/util/run-process';
import { rejectionOf } from '../helpers/rejection';

/** Real child processes: sh, cat, sleep. Each case is bounded well under jest's own timeout. */
const limit = { timeoutMs: 10_000 };

const failureOf = (promise: Promise<unknown>): Promise<ProcessError> => rejectionOf(promise, ProcessError);

describe('runProcess', () => {
  it('captures stdout and stderr exactly as printed, final newline included', async () => {
    const result = await runProcess('sh', ['-c', 'printf "out\\n"; printf "err\\n" >&2'], limit);
    expect(result).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 0 });
  });

  it('writes the input to stdin, and gives an empty stdin without one', async () => {
    expect((await runProcess('cat', [], { ...limit, input: 'line one\nline two' })).stdout).toBe('line one\nline two');
    expect((await runProcess('cat', [], limit)).stdout).toBe('');
  });

  it('runs in the given folder with exactly the given environment', async () => {
    const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'run-process-')));
    try {
      const { stdout } = await runProcess('sh', ['-c', 'pwd; echo "$GREETING"; echo "${HOME-no home}"'], { ...limit, cwd: dir, env: { PATH: process.env.PATH, GREETING: 'hello' } });
      expect(stdout).toBe(`${dir}\nhello\nno home\n`);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('fails on a non-zero exit with the command line and the last 20 lines of stderr', async () => {
    const script = 'for i in $(seq 1 30); do echo "problem $i" >&2; done; echo "all fine" ; exit 3';
    const error = await failureOf(runProcess('sh', ['-c', script], limit));
    expect(error).toMatchObject({ code: 'PROCESS_FAILED', failure: 'exit', exitCode: 3, stdout: 'all fine\n' });
    expect(error.stderr.split('\n')).toHaveLength(31);
    const [headline, ...tail] = error.message.split('\n');
    expect(headline).toBe(`sh -c '${script}' exited with status 3:`);
    expect(tail).toEqual(Array.from({ length: 20 }, (_, i) => `problem ${i + 11}`));
  });

  it('quotes only the words of the command line that need it', async () => {
    const error = await failureOf(runProcess('sh', ['-c', 'exit 1', 'name', "it's"], limit));
    expect(error.message).toBe(`sh -c 'exit 1' name 'it'\\''s' exited with status 1`);
  });

  it('shows the end of stdout when the program said nothing on stderr', async () => {
    const error = await failureOf(runProcess('sh', ['-c', 'echo "wrote the reason here"; exit 2'], limit));
    expect(error.message).toBe(`sh -c 'echo "wrote the reason here"; exit 2' exited with status 2:\nwrote the reason here`);
  });

  it('resolves with the exit code when a non-zero exit is an answer, not a failure', async () => {
    const result = await runProcess('sh', ['-c', 'echo no >&2; exit 4'], { ...limit, allowNonZeroExit: true });
    expect(result).toEqual({ stdout: '', stderr: 'no\n', exitCode: 4 });
  });

  it('stops a program that runs past its time and says how long it had', async () => {
    const started = Date.now();
    const error = await failureOf(runProcess('sh', ['-c', 'echo started >&2; exec sleep 30'], { timeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ code: 'PROCESS_TIMEOUT', failure: 'timeout' });
    expect(error.message).toBe(`sh -c 'echo started >&2; exec sleep 30' did not finish within 300 ms and was stopped:\nstarted`);
  });

  it('stops the program when the signal aborts, and fails as interrupted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const running = runProcess('sleep', ['30'], { ...limit, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const error = await failureOf(running);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ code: 'INTERRUPTED', failure: 'aborted', message: 'sleep 30 was interrupted' });
  });

  it('does not start at all when the signal has already aborted', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'run-process-'));
    try {
      const marker = path.join(dir, 'ran');
      const error = await failureOf(runProcess('touch', [marker], { ...limit, signal: AbortSignal.abort() }));
      expect(error.failure).toBe('aborted');
      await expect(fs.access(marker)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a program killed by a signal', async () => {
    const error = await failureOf(runProcess('sh', ['-c', 'kill -KILL $$'], limit));
    expect(error).toMatchObject({ failure: 'signal', signal: 'SIGKILL', message: `sh -c 'kill -KILL $$' was killed by SIGKILL` });
  });

  it('tells a missing program apart from one that failed', async () => {
    const error = await failureOf(runProcess('no-such-program-here', ['--version'], limit));
    expect(error).toMatchObject({ code: 'PROCESS_NOT_FOUND', failure: 'not-found', notFound: true });
    expect(error.message).toBe('no-such-program-here --version could not start: no-such-program-here is not installed or not on PATH');
  });

  it('does not blame the program when it is the working folder that is missing', async () => {
    const error = await failureOf(runProcess('sh', ['-c', 'true'], { ...limit, cwd: '/no/such/folder' }));
    expect(error).toMatchObject({ failure: 'cannot-start', notFound: false });
    expect(error.message).toContain('its working folder /no/such/folder does not exist');
  });

  it('lets stderr through to ours when asked, and then does not capture it', async () => {
    // Our own stderr is jest's, so the runner runs in a child node whose stderr we capture.
    const outer = await runInChildNode("runProcess('sh', ['-c', 'echo live >&2; echo captured'], { timeoutMs: 5000, stderr: 'inherit' }).then((r) => console.log(JSON.stringify(r)));");
    expect(outer.stderr).toBe('live\n');
    expect(JSON.parse(outer.stdout)).toEqual({ stdout: 'captured\n', stderr: '', exitCode: 0 });
  });

  it('leaves no timer behind that would keep this process alive after a program failed to start', async () => {
    const started = Date.now();
    const outer = await runInChildNode("runProcess('no-such-program-here', [], { timeoutMs: 20000 }).catch((e) => console.log(e.failure));");
    expect(outer.stdout).toBe('not-found\n');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

/**
 * Runs `code` in a fresh node that has runProcess in scope; what that process does at its end (its
 * stderr, how long it stays alive) cannot be seen from inside jest. It loads the TypeScript source
 * through the compiler's transpileModule, since the project has no TypeScript loader for node.
 */
function runInChildNode(code: string): Promise<ProcessResult> {
  const script = `
    const ts = require('typescript');
    const fs = require('node:fs');
    require.extensions['.ts'] = (m, file) => m._compile(ts.transpileModule(fs.readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, esModuleInterop: true, target: ts.ScriptTarget.ES2022 } }).outputText, file);
    const { runProcess } = require(${JSON.stringify(path.join(__dirname, '../../src/util/run-process'))});
    ${code}
  `;
  return runProcess(process.execPath, ['-e', script], { timeoutMs: 30_000, cwd: path.join(__dirname, '../..') });
}
