import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MachineCommand } from '../../src/cli/base-command';
import { GLOBAL_SWITCHES, GLOBAL_VALUE_FLAGS, moveGlobalFlagsAfterCommand } from '../../src/cli/global-argv';

describe('global flags before the command word', () => {
  it.each([
    [['-s', '/st', 'ls'], ['ls', '-s', '/st']],
    [['--storage-path', '/st', 'ls', '-q'], ['ls', '--storage-path', '/st', '-q']],
    [['--storage-path=/st', 'rm', '-y', 'web1'], ['rm', '--storage-path=/st', '-y', 'web1']],
    [['-s/st', 'ls'], ['ls', '-s/st']],
    [['--debug', 'create', '--driver', 'generic', 'x'], ['create', '--debug', '--driver', 'generic', 'x']],
    [['--debug', '-s', '/st', 'ssh', 'web1', '--', 'ls', '-s', 'x'], ['ssh', '--debug', '-s', '/st', 'web1', '--', 'ls', '-s', 'x']],
  ])('%j becomes %j', (argv, expected) => {
    expect(moveGlobalFlagsAfterCommand(argv)).toEqual(expected);
  });

  it.each([
    [['ls', '-s', '/st']],
    [['--help']],
    [['--version']],
    [['--debug', '--help', 'ls']],
    [['--bogus', 'ls']],
    [['--debug']],
    [['-s']],
    [['-s', '/st']],
    [[]],
  ])('leaves %j as it is', (argv) => {
    expect(moveGlobalFlagsAfterCommand(argv)).toEqual(argv);
  });

  it('knows exactly the flags of the GLOBAL help group, in every spelling', () => {
    const global = Object.entries(MachineCommand.baseFlags as Record<string, { type: string; char?: string; helpGroup?: string }>).filter(
      ([, flag]) => flag.helpGroup === 'GLOBAL',
    );
    const spellings = (type: string) => global.filter(([, f]) => f.type === type).flatMap(([name, f]) => [`--${name}`, ...(f.char ? [`-${f.char}`] : [])]);
    expect([...GLOBAL_VALUE_FLAGS].sort()).toEqual(spellings('option').sort());
    expect([...GLOBAL_SWITCHES].sort()).toEqual(spellings('boolean').sort());
  });
});

describe('the start-up cost of global-argv', () => {
  it('imports nothing: bin/run.js loads it before every command, `machine env` included', () => {
    const text = readFileSync(path.join(__dirname, '../../src/cli/global-argv.ts'), 'utf8');
    expect(text.match(/^\s*import\s|require\(/gm)).toBeNull();
  });
});
