import { execFileSync } from 'node:child_process';
import { shellCommandLine, shellQuote } from '../../src/util/shell-quote';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

const sh = (script: string): string => execFileSync('sh', ['-c', script], { timeout: SYNC_CHILD_TIMEOUT_MS }).toString();
const awkward = ['plain', "it's", '$(id) `id` $HOME', 'a\nb', '', "''", '\\', '*', '~user', 'a b', '-n', 'x=1', 'semi;colon', '#hash'];

describe('shellQuote', () => {
  it.each(awkward)('survives a real sh: %j', (value) => {
    expect(sh(`printf %s ${shellQuote(value)}`)).toBe(value);
  });

  it('writes a quote as close, escaped quote, reopen', () => {
    expect(shellQuote("it's $HOME `x` \"y\"\nz")).toBe(`'it'\\''s $HOME \`x\` "y"\nz'`);
  });

  it('refuses NUL bytes, which no shell argument can hold', () => {
    expect(() => shellQuote('a\0b')).toThrow(TypeError);
  });
});

describe('shellCommandLine', () => {
  it('leaves plain words bare and quotes the rest', () => {
    expect(shellCommandLine(['qemu-img', 'create', '-f', 'qcow2', '/tmp/a b/disk.qcow2', 'size=20G'])).toBe("qemu-img create -f qcow2 '/tmp/a b/disk.qcow2' size=20G");
  });

  it('is read back by sh as the same words', () => {
    const line = shellCommandLine(['printf', '[%s]', ...awkward]);
    expect(sh(line)).toBe(awkward.map((word) => `[${word}]`).join(''));
  });
});
