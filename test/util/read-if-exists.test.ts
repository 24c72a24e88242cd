import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readIfExists } from '../../src/util/read-if-exists';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'read-if-exists-'));
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

describe('readIfExists', () => {
  it('reads a file that is there, empty or not', async () => {
    await fs.writeFile(path.join(dir, 'a.pem'), 'text\n');
    await fs.writeFile(path.join(dir, 'empty'), '');
    expect(await readIfExists(path.join(dir, 'a.pem'))).toBe('text\n');
    expect(await readIfExists(path.join(dir, 'empty'))).toBe('');
  });

  it('gives undefined for a file that is not there, or whose folder is not', async () => {
    expect(await readIfExists(path.join(dir, 'missing'))).toBeUndefined();
    expect(await readIfExists(path.join(dir, 'no-folder', 'missing'))).toBeUndefined();
  });

  it('throws every other failure: a folder where the file should be', async () => {
    await fs.mkdir(path.join(dir, 'server.pem'));
    await expect(readIfExists(path.join(dir, 'server.pem'))).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('throws every other failure: a path through a file', async () => {
    await fs.writeFile(path.join(dir, 'file'), '');
    await expect(readIfExists(path.join(dir, 'file', 'child'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});
