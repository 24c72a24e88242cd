import { execFileSync } from 'node:child_process';
import { shellQuote, withEnvironment } from '../../src/ssh/shell-quote';
import { exitCodeOf } from '../../src/ssh/exit-status';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

describe('shellQuote', () => {
  it.each(["plain", "it's", '$(id) `id` $HOME', 'a\nb', '', "''", '\\'])('survives a real sh: %j', (value) => {
    expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(value)}`], { timeout: SYNC_CHILD_TIMEOUT_MS }).toString()).toBe(value);
  });

  it('refuses NUL bytes, which no shell argument can hold', () => {
    expect(() => shellQuote('a\0b')).toThrow(TypeError);
  });
});

describe('withEnvironment', () => {
  it('leaves the command alone without variables and exports them otherwise', () => {
    expect(withEnvironment('ls', undefined)).toBe('ls');
    expect(withEnvironment('ls', { A: "x'y", B_2: '' })).toBe(`export A='x'\\''y' B_2=''; ls`);
  });

  it.each(['1A', 'A-B', 'A B', ''])('refuses the variable name %j', (name) => {
    expect(() => withEnvironment('ls', { [name]: 'v' })).toThrow(TypeError);
  });
});

describe('exitCodeOf', () => {
  it('passes codes through and maps signals to 128 + number', () => {
    expect(exitCodeOf(0, undefined)).toBe(0);
    expect(exitCodeOf(null, 'KILL')).toBe(137);
    expect(exitCodeOf(undefined, 'SIGINT')).toBe(130);
    expect(exitCodeOf(null, undefined)).toBeUndefined();
  });
});
