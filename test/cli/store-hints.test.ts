import { machineCommandLine, withStoreInHints } from '../../src/cli/store-hints';

describe('hints that name the store given by --storage-path', () => {
  it('leaves every hint alone when the store did not come from --storage-path', () => {
    const text = 'run `machine rm web1`, then `eval "$(machine env web2)"`';
    expect(withStoreInHints(text, undefined)).toBe(text);
  });

  it('puts the store after `machine` in each hint, backticked or in eval "$(...)", quoted for sh', () => {
    expect(withStoreInHints('`machine rm web1` retries; `machine ls` lists them', '/srv/store')).toBe('`machine --storage-path /srv/store rm web1` retries; `machine --storage-path /srv/store ls` lists them');
    expect(withStoreInHints('clear it with `eval "$(machine env --unset)"` first', "/home/jo/it's mine")).toBe(
      `clear it with \`eval "$(machine --storage-path '/home/jo/it'\\''s mine' env --unset)"\` first`,
    );
  });

  it('touches no other mention of machine', () => {
    const text = 'machine "web1" does not exist; the machine proxy stopped';
    expect(withStoreInHints(text, '/s')).toBe(text);
  });

  it('writes a whole command line the same way', () => {
    expect(machineCommandLine('machine', '/a b', ['env', 'web1'])).toBe("machine --storage-path '/a b' env web1");
    expect(machineCommandLine('machine', undefined, ['env', 'web1'])).toBe('machine env web1');
  });
});
