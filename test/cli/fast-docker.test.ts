import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runFastDocker } from '../../src/cli/fast-docker';
import { sampleRecord } from '../helpers/tmp-store';

/**
 * The fast path's choice of what it handles. What docker does with the environment it gets is proven
 * with the real docker CLI in test/e2e/docker-proxy.e2e.test.ts; here a `docker` on PATH writes its
 * arguments and DOCKER_HOST to a file, in place of any output, and exits 7.
 */
let dir: string;
let store: string;
const savedPath = process.env.PATH;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-fast-docker-'));
  store = path.join(dir, 'store');
  await fs.mkdir(path.join(store, 'machines', 'dev1'), { recursive: true });
  await fs.writeFile(path.join(store, 'machines', 'dev1', 'config.json'), JSON.stringify(sampleRecord('dev1')));
  await fs.mkdir(path.join(dir, 'bin'));
  await fs.writeFile(path.join(dir, 'bin', 'docker'), `#!/bin/sh\nprintf '%s|' "$@" "$DOCKER_HOST" > "${dir}/seen"\nexit 7\n`, { mode: 0o755 });
  process.env.PATH = `${path.join(dir, 'bin')}:${savedPath ?? ''}`;
});

afterAll(async () => {
  process.env.PATH = savedPath;
  await fs.rm(dir, { recursive: true, force: true });
});

it('runs docker with the machine environment and answers its exit code', async () => {
  expect(await runFastDocker(['-s', store, 'dev1', '--', 'run', '--rm', '-i', 'x', 'sh', '-c', 'exit 3'])).toBe(7);
  expect(await fs.readFile(path.join(dir, 'seen'), 'utf8')).toBe('run|--rm|-i|x|sh|-c|exit 3|tcp://203.0.113.5:2376|');
});

it('leaves everything else to oclif', async () => {
  expect(await runFastDocker(['-s', store, 'dev1', 'ps'])).toBeUndefined(); // no --
  expect(await runFastDocker(['-s', store, 'dev1', 'dev2', '--', 'ps'])).toBeUndefined();
  expect(await runFastDocker(['-s', store, '--help', 'dev1', '--', 'ps'])).toBeUndefined();
  expect(await runFastDocker(['-s', store, 'nosuch', '--', 'ps'])).toBeUndefined();
  process.env.PATH = '/nonexistent';
  try {
    expect(await runFastDocker(['-s', store, 'dev1', '--', 'ps'])).toBeUndefined();
  } finally {
    process.env.PATH = `${path.join(dir, 'bin')}:${savedPath ?? ''}`;
  }
});
