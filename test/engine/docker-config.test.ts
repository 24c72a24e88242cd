import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CONTEXT, currentDockerSelection, dockerConfigDir, dockerSelection, readCurrentContext, writeCurrentContext } from '../../src/engine/docker-config';
import { DockerContextStore } from '../../src/engine/docker-context-store';
import { docker, dockerContexts, hasDockerCli } from '../helpers/docker-cli';
import { makeTempDir } from '../helpers/tmp-store';

const itWithDocker = hasDockerCli ? it : it.skip;

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await makeTempDir('machine-dockercfg-');
  dirs.push(dir);
  return dir;
}
afterAll(() => Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true }))));

const someContext = { description: 'a machine', host: 'tcp://203.0.113.5:2376', tls: { ca: 'ca\n', cert: 'cert\n', key: 'key\n' } };

/** A config.json as people have them: credentials, a helper, proxies, plugin settings, keys we do not know. */
const lived = {
  auths: { 'registry.example.com': { auth: 'dXNlcjpwYXNz' } },
  credsStore: 'pass',
  proxies: { default: { httpProxy: 'http://proxy.example:3128', noProxy: 'localhost' } },
  psFormat: 'table {{.ID}}\t{{.Names}}',
  plugins: { buildx: { something: 'kept' } },
  aFutureKey: [1, 'two', { three: 3 }],
};

describe('config.json: currentContext', () => {
  it('keeps every other key, in order, and the file mode', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'config.json');
    await fs.writeFile(file, JSON.stringify(lived, null, 2), { mode: 0o644 });
    await fs.chmod(file, 0o644);

    await writeCurrentContext(dir, 'machine-dev1');
    const written = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(written).toEqual({ ...lived, currentContext: 'machine-dev1' });
    expect(Object.keys(written)).toEqual([...Object.keys(lived), 'currentContext']);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o644);
    expect(await readCurrentContext(dir)).toBe('machine-dev1');

    await writeCurrentContext(dir, undefined);
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual(lived);
    expect(await readCurrentContext(dir)).toBeUndefined();
    // Atomic replacement leaves no temp files behind.
    expect(await fs.readdir(dir)).toEqual(['config.json']);
  });

  it('creates config.json (0600) and its folder when there is none; "default" drops the key', async () => {
    const dir = path.join(await tempDir(), 'not-yet');
    await writeCurrentContext(dir, 'machine-a');
    expect((await fs.stat(path.join(dir, 'config.json'))).mode & 0o777).toBe(0o600);
    await writeCurrentContext(dir, DEFAULT_CONTEXT);
    expect(JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'))).toEqual({});
  });

  it('writes through a symbolic link, leaving the link in place', async () => {
    const dir = await tempDir();
    const managed = path.join(dir, 'dotfiles-docker-config.json');
    await fs.writeFile(managed, JSON.stringify({ credsStore: 'pass' }));
    const configDir = path.join(dir, 'docker');
    await fs.mkdir(configDir);
    await fs.symlink(managed, path.join(configDir, 'config.json'));
    await writeCurrentContext(configDir, 'machine-a');
    expect((await fs.lstat(path.join(configDir, 'config.json'))).isSymbolicLink()).toBe(true);
    expect(JSON.parse(await fs.readFile(managed, 'utf8'))).toEqual({ credsStore: 'pass', currentContext: 'machine-a' });
  });

  it('refuses to rewrite a config.json that does not parse, and leaves it untouched', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'config.json'), '{"auths": {');
    await expect(writeCurrentContext(dir, 'machine-a')).rejects.toThrow(/not valid JSON/);
    expect(await fs.readFile(path.join(dir, 'config.json'), 'utf8')).toBe('{"auths": {');
    expect(await readCurrentContext(dir)).toBeUndefined();
  });

  itWithDocker('is what the docker CLI reads and writes', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify({ psFormat: 'table {{.ID}}' }), { mode: 0o600 });
    await new DockerContextStore(dir).write({ name: 'machine-dev1', ...someContext });
    await writeCurrentContext(dir, 'machine-dev1');
    expect((await docker(dir, ['context', 'show'])).stdout.trim()).toBe('machine-dev1');
    expect((await dockerContexts(dir)).find((c) => c.Current)?.Name).toBe('machine-dev1');

    // The other way: what `docker context use` writes, we read; and it kept our neighbour key too.
    expect((await docker(dir, ['context', 'use', 'default'])).code).toBe(0);
    expect(await readCurrentContext(dir)).toBeUndefined();
    expect((await docker(dir, ['context', 'use', 'machine-dev1'])).code).toBe(0);
    expect(await readCurrentContext(dir)).toBe('machine-dev1');
    expect(JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'))).toMatchObject({ psFormat: 'table {{.ID}}' });

    await writeCurrentContext(dir, undefined);
    expect((await docker(dir, ['context', 'show'])).stdout.trim()).toBe('default');
  });
});

describe('which engine plain docker talks to', () => {
  it.each([
    [{}, undefined, { kind: 'default' }],
    [{}, 'machine-a', { kind: 'context', context: 'machine-a', source: 'config.json' }],
    [{}, 'default', { kind: 'default' }],
    [{ DOCKER_CONTEXT: 'machine-b' }, 'machine-a', { kind: 'context', context: 'machine-b', source: 'DOCKER_CONTEXT' }],
    [{ DOCKER_CONTEXT: 'default' }, 'machine-a', { kind: 'default' }],
    [{ DOCKER_HOST: 'tcp://h:2376', DOCKER_CONTEXT: 'machine-b' }, 'machine-a', { kind: 'host', dockerHost: 'tcp://h:2376' }],
    [{ DOCKER_HOST: '', DOCKER_CONTEXT: '' }, 'machine-a', { kind: 'context', context: 'machine-a', source: 'config.json' }],
  ])('env %j, config.json %s: %j', (env, current, expected) => {
    expect(dockerSelection(env, current)).toEqual(expected);
  });

  itWithDocker('agrees with `docker context show` in each case', async () => {
    const dir = await tempDir();
    for (const name of ['machine-a', 'machine-b']) await new DockerContextStore(dir).write({ name, ...someContext });
    await writeCurrentContext(dir, 'machine-a');
    for (const env of [{}, { DOCKER_CONTEXT: 'machine-b' }, { DOCKER_HOST: 'tcp://127.0.0.1:1', DOCKER_CONTEXT: 'machine-b' }, { DOCKER_CONTEXT: 'default' }]) {
      const shown = (await docker(dir, ['context', 'show'], env)).stdout.trim();
      const selection = await currentDockerSelection({ ...env, DOCKER_CONFIG: dir });
      expect({ env, shown }).toEqual({ env, shown: selection.kind === 'context' ? selection.context : DEFAULT_CONTEXT });
    }
  });

  it('finds the config folder as the docker CLI does', () => {
    expect(dockerConfigDir({ DOCKER_CONFIG: '/x/y' })).toBe('/x/y');
    expect(dockerConfigDir({})).toMatch(/\.docker$/);
  });
});
