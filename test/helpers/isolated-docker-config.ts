// Loaded by jest before every test file: each file gets a docker config folder of its own, so nothing a
// test does (machine contexts written by create, `machine use`) reaches the real ~/.docker. A test that
// needs a particular folder sets DOCKER_CONFIG itself.
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

process.env.DOCKER_CONFIG = mkdtempSync(path.join(os.tmpdir(), 'machine-test-docker-config-'));
