import { sudoRefused } from '../../src/provision/sudo';

describe('sudoRefused', () => {
  it("knows sudo's refusals, and a host without sudo, when the script never started", () => {
    expect(sudoRefused(0, ['sudo: a password is required'])).toBe(true);
    expect(sudoRefused(0, ['sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper'])).toBe(true);
    expect(sudoRefused(0, ['sh: 1: sudo: not found'])).toBe(true);
    expect(sudoRefused(0, ['bash: line 1: sudo: command not found'])).toBe(true);
  });

  it('leaves a script failure to the script: it printed on stdout, or its first complaint is its own', () => {
    expect(sudoRefused(1, ['sudo: a password is required'])).toBe(false);
    expect(sudoRefused(0, ['error: must run as root'])).toBe(false);
    expect(sudoRefused(0, [])).toBe(false);
    expect(sudoRefused(0, ['pseudoscience: sudoku'])).toBe(false);
  });
});
