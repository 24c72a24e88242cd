import { withEnvironment } from '../../src/ssh/remote-environment';
import { exitCodeOf } from '../../src/ssh/exit-status';

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
