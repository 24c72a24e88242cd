import { UsageError } from '../../src/core/errors';
import { renderEnvScript } from '../../src/engine/env-script';
import { type CmdContext, runCmdLine } from './cmd-reference';

/**
 * `machine env --shell cmd` judged by a reference model of cmd.exe's SET handling (./cmd-reference.ts):
 * every line it prints must set exactly the value, pasted at the prompt or run through the hint's
 * FOR /f, with or without delayed expansion; a value cmd cannot hold must be refused instead.
 */
const CONTEXTS: Array<[string, CmdContext]> = [
  ['at the prompt', { via: 'prompt', env: { PATH: 'C:\\Windows', X: 'expanded' } }],
  ['through FOR /f', { via: 'for', env: { PATH: 'C:\\Windows', X: 'expanded' } }],
  ['at the prompt, delayed expansion on', { via: 'prompt', env: { X: 'expanded' }, delayedExpansion: true }],
  ['through FOR /f, delayed expansion on', { via: 'for', env: { X: 'expanded' }, delayedExpansion: true }],
];

describe('the reference model reads SET lines as cmd does', () => {
  it.each<[string, CmdContext, ReturnType<typeof runCmdLine>]>([
    ['SET A=b', { via: 'prompt' }, { kind: 'set', name: 'A', value: 'b' }],
    ['SET A=b c  ', { via: 'prompt' }, { kind: 'set', name: 'A', value: 'b c  ' }],
    ['SET "A=b c" ignored', { via: 'prompt' }, { kind: 'set', name: 'A', value: 'b c' }],
    ['SET A="b"', { via: 'prompt' }, { kind: 'set', name: 'A', value: '"b"' }],
    ['SET A=a^&b', { via: 'prompt' }, { kind: 'set', name: 'A', value: 'a&b' }],
    ['SET A=a^&b', { via: 'for' }, { kind: 'set', name: 'A', value: 'a^&b' }],
    ['SET "A=a&b|c"', { via: 'prompt' }, { kind: 'set', name: 'A', value: 'a&b|c' }],
    ['SET A=a&calc', { via: 'prompt' }, { kind: 'other', reason: '"&" outside quotes: another command or a redirection' }],
    ['SET "A=x"&calc&""', { via: 'prompt' }, { kind: 'other', reason: '"&" outside quotes: another command or a redirection' }],
    ['SET "A=x"&calc&""', { via: 'for' }, { kind: 'set', name: 'A', value: 'x"&calc&"' }],
    ['SET A=%X%', { via: 'prompt', env: { X: '1' } }, { kind: 'set', name: 'A', value: '1' }],
    ['SET A=%X%', { via: 'for', env: { X: '1' } }, { kind: 'set', name: 'A', value: '%X%' }],
    ['SET A=%NOPE%', { via: 'prompt' }, { kind: 'set', name: 'A', value: '%NOPE%' }],
    ['SET A=!X!', { via: 'for', env: { X: '1' }, delayedExpansion: true }, { kind: 'set', name: 'A', value: '1' }],
    ['  SET A=b', { via: 'for' }, { kind: 'set', name: 'A', value: 'b' }],
    ['REM SET A=b', { via: 'prompt' }, { kind: 'other', reason: 'not a SET command: REM SET A=b' }],
  ])('%j (%j)', (line, context, outcome) => {
    expect(runCmdLine(line, context)).toEqual(outcome);
  });
});

const SAFE = [
  'tcp://203.0.113.5:2376',
  'C:\\Users\\Jo Smith\\.machine\\machines\\dev1',
  'a&b|c<d>e^f',
  "it's (x86) & more",
  'trailing space ',
  ' leading space',
  '$(id) `id` ; * ? [x]',
  '日本語',
  'a=b=c',
];
const REFUSED = ['x"&calc&"', '"quoted"', '100%', '%PATH%', '%X%', 'a!X!b', 'bang!', 'line\nbreak', 'tab\there', 'cr\rhere'];

const line = (value: string) => renderEnvScript({ shell: 'cmd', set: [['DOCKER_CERT_PATH', value]], unset: [], hintCommand: 'machine env dev1' }).split('\n')[0];

describe('machine env --shell cmd, judged by the model', () => {
  describe.each(CONTEXTS)('%s', (_name, context) => {
    it.each(SAFE)('sets %j exactly', (value) => {
      expect(runCmdLine(line(value), context)).toEqual({ kind: 'set', name: 'DOCKER_CERT_PATH', value });
    });
  });

  it.each(REFUSED)('refuses %j, with a reason', (value) => {
    expect(() => line(value)).toThrow(UsageError);
    expect(() => line(value)).toThrow(/cmd\.exe cannot be given/);
  });

  it('refuses for a reason: for each refused character, some value holding it breaks the plain SET "NAME=value"', () => {
    // A tab is refused for another reason the model leaves out: pasted at the prompt it completes file names.
    for (const value of ['x"&calc&"', '%PATH%', 'a!X!b', 'line\nbreak']) {
      const naive = `SET "DOCKER_CERT_PATH=${value}"`;
      const outcomes = CONTEXTS.map(([, context]) => runCmdLine(naive, context));
      expect({ value, allExact: outcomes.every((o) => o.kind === 'set' && o.value === value) }).toEqual({ value, allExact: false });
    }
  });

  it('quotes the hint: a store path with spaces and & stays one argument, one refused when cmd would expand it', () => {
    const script = renderEnvScript({ shell: 'cmd', set: [['A', 'b']], unset: [], hintCommand: ['machine', '--storage-path', 'C:\\my store & co', 'env', 'dev1'] });
    expect(script.trimEnd().split('\n').pop()).toBe(`REM \t@FOR /f "tokens=*" %i IN ('machine --storage-path "C:\\my store & co" env dev1 --shell cmd') DO @%i`);
    expect(() => renderEnvScript({ shell: 'cmd', set: [['A', 'b']], unset: [], hintCommand: ['machine', '--storage-path', 'C:\\100%', 'env', 'dev1'] })).toThrow(UsageError);
  });
});
