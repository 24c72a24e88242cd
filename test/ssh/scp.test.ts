import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { connectSsh, type SshSession } from '../../src/ssh/client';
import { copy, parseCopyTarget } from '../../src/ssh/scp';
import { startSshd, type SshdFixture } from './sshd-fixture';

jest.setTimeout(30_000);

describe('parseCopyTarget', () => {
  it.each([
    ['web1:/etc/hosts', { machine: 'web1', path: '/etc/hosts' }],
    ['admin@web1:/etc/hosts', { machine: 'web1', user: 'admin', path: '/etc/hosts' }],
    ['a@b@web1:x', { machine: 'web1', user: 'a@b', path: 'x' }],
    ['web1:', { machine: 'web1', path: '.' }],
    ['web1:~', { machine: 'web1', path: '.' }],
    ['web1:~/notes.txt', { machine: 'web1', path: 'notes.txt' }],
    ['web1:relative/file', { machine: 'web1', path: 'relative/file' }],
    ['my.host-2:/x:y', { machine: 'my.host-2', path: '/x:y' }],
    ['localhost:/tmp/x', { path: '/tmp/x' }],
    ['/tmp/x', { path: '/tmp/x' }],
    ['file.txt', { path: 'file.txt' }],
    ['./web1:file', { path: './web1:file' }],
    ['dir/a:b', { path: 'dir/a:b' }],
    [':file', { path: ':file' }],
    ['C:\\Users\\me\\file', { path: 'C:\\Users\\me\\file' }],
    ['c:/Users/me', { path: 'c:/Users/me' }],
  ])('%s', (spec, expected) => {
    expect(parseCopyTarget(spec)).toEqual(expected);
  });

  it('refuses a remote part that is not a machine name', () => {
    expect(() => parseCopyTarget('bad name:x')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});

describe('copy', () => {
  let sshd: SshdFixture;
  let opened: string[];
  let closed: number;
  let local: string;
  let remote: string;

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(() => sshd?.stop());

  beforeEach(async () => {
    opened = [];
    closed = 0;
    const base = await fs.mkdtemp(path.join(sshd.dir, 'copy-'));
    local = path.join(base, 'local');
    remote = path.join(base, 'remote');
    await fs.mkdir(local);
    await fs.mkdir(remote);
  });

  /** Every "machine" is the fixture's sshd; the machine name only shows in the spec and in messages. */
  async function sessionFor(machine: string, user?: string): Promise<SshSession> {
    opened.push(user ? `${user}@${machine}` : machine);
    const session = await connectSsh(sshd.connectOptions({ machineName: machine, ...(user ? { user } : {}) }));
    const close = session.close.bind(session);
    session.close = async () => {
      closed += 1;
      await close();
    };
    return session;
  }

  it('copies a file to a machine and back, keeping its mode, and closes its sessions', async () => {
    await fs.writeFile(path.join(local, 'tool.sh'), '#!/bin/sh\necho hi\n', { mode: 0o750 });
    await copy({ source: path.join(local, 'tool.sh'), destination: `web1:${remote}/tool.sh`, recursive: false, sessionFor });
    expect(await fs.readFile(path.join(remote, 'tool.sh'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect((await fs.stat(path.join(remote, 'tool.sh'))).mode & 0o777).toBe(0o750);

    await copy({ source: `${sshd.user}@web1:${remote}/tool.sh`, destination: path.join(local, 'back.sh'), recursive: false, sessionFor });
    expect((await fs.stat(path.join(local, 'back.sh'))).mode & 0o777).toBe(0o750);
    expect(opened).toEqual(['web1', `${sshd.user}@web1`]);
    expect(closed).toBe(2);
  });

  it('copies into an existing directory under the source name', async () => {
    await fs.writeFile(path.join(local, 'a.txt'), 'A');
    await copy({ source: path.join(local, 'a.txt'), destination: `web1:${remote}`, recursive: false, sessionFor });
    expect(await fs.readFile(path.join(remote, 'a.txt'), 'utf8')).toBe('A');
  });

  it('copies between two machines through this computer', async () => {
    await fs.writeFile(path.join(remote, 'big.bin'), Buffer.alloc(3 * 1024 * 1024 + 17, 7), { mode: 0o604 });
    await copy({ source: `web1:${remote}/big.bin`, destination: `web2:${remote}/copy.bin`, recursive: false, sessionFor });
    expect((await fs.readFile(path.join(remote, 'copy.bin'))).equals(await fs.readFile(path.join(remote, 'big.bin')))).toBe(true);
    expect((await fs.stat(path.join(remote, 'copy.bin'))).mode & 0o777).toBe(0o604);
    expect(opened.sort()).toEqual(['web1', 'web2']);
  });

  it('needs recursive for directories, then copies the tree with modes', async () => {
    const tree = path.join(local, 'tree');
    await fs.mkdir(path.join(tree, 'empty'), { recursive: true });
    await fs.mkdir(path.join(tree, 'locked'), { mode: 0o500 });
    await fs.writeFile(path.join(tree, 'top'), 'top', { mode: 0o640 });
    await fs.chmod(path.join(tree, 'locked'), 0o700);
    await fs.writeFile(path.join(tree, 'locked', 'inner'), 'inner', { mode: 0o400 });
    await fs.chmod(path.join(tree, 'locked'), 0o500);

    await expect(copy({ source: tree, destination: `web1:${remote}/tree`, recursive: false, sessionFor })).rejects.toMatchObject({
      code: 'USAGE',
      message: `${tree} is a directory`,
    });

    await copy({ source: tree, destination: `web1:${remote}/tree`, recursive: true, sessionFor });
    expect((await fs.stat(path.join(remote, 'tree', 'empty'))).isDirectory()).toBe(true);
    expect(await fs.readFile(path.join(remote, 'tree', 'locked', 'inner'), 'utf8')).toBe('inner');
    expect((await fs.stat(path.join(remote, 'tree', 'locked'))).mode & 0o777).toBe(0o500);
    expect((await fs.stat(path.join(remote, 'tree', 'locked', 'inner'))).mode & 0o777).toBe(0o400);
    expect((await fs.stat(path.join(remote, 'tree', 'top'))).mode & 0o777).toBe(0o640);

    // Copying onto the now-existing directory nests it, as cp -r does.
    await copy({ source: `web1:${remote}/tree`, destination: local, recursive: true, sessionFor: sessionFor });
    expect(await fs.readFile(path.join(local, 'tree', 'top'), 'utf8')).toBe('top');
    const down = path.join(local, 'down');
    await copy({ source: `web1:${remote}/tree`, destination: down, recursive: true, sessionFor });
    expect(await fs.readFile(path.join(down, 'locked', 'inner'), 'utf8')).toBe('inner');
    expect((await fs.stat(path.join(down, 'locked'))).mode & 0o777).toBe(0o500);
  });

  it('reports a missing source and refuses copying a file onto itself', async () => {
    await expect(copy({ source: `web1:${remote}/nope`, destination: local, recursive: false, sessionFor })).rejects.toMatchObject({
      code: 'COPY_SOURCE_MISSING',
      message: `web1:${remote}/nope: no such file or directory`,
    });
    await expect(copy({ source: 'web1:/x', destination: 'web1:/x', recursive: false, sessionFor })).rejects.toMatchObject({ code: 'USAGE' });
  });
});
