// Loaded by jest before every test file: each file gets a docker config folder of its own, so nothing a
// test does (machine contexts written by create, `machine use`) reaches the real ~/.docker. A test that
// needs a particular folder sets DOCKER_CONFIG itself.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

process.env.DOCKER_CONFIG = fs.mkdtempSync(path.join(os.tmpdir(), 'machine-test-docker-config-'));
