// Loaded by jest before every test file (setupFilesAfterEnv): each file gets a docker config folder of
// its own, so nothing a test does (machine contexts written by create, `machine use`) reaches the real
// ~/.docker, and the folder goes after the file's last test. A test that needs a particular folder sets
// DOCKER_CONFIG itself. Folders made with makeTempDir go then too.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { removeTempDirs } from './tmp-store';

const dockerConfig = mkdtempSync(path.join(os.tmpdir(), 'machine-test-docker-config-'));
process.env.DOCKER_CONFIG = dockerConfig;

afterAll(async () => {
  rmSync(dockerConfig, { recursive: true, force: true });
  await removeTempDirs();
});
