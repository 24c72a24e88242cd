import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { StoreLayout } from '../../src/core/store-layout';
import { dockerChildEnvironment, findOnPath } from '../../src/services/docker-cli';
import { sampleRecord } from '../helpers/tmp-store';

describe('findOnPath', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'machine-path-'));
    for (const sub of ['a', 'b', 'c']) mkdirSync(path.join(dir, sub));
    writeFileSync(path.join(dir, 'a/docker'), 'not executable');
    chmodSync(path.join(dir, 'a/docker'), 0o644);
    mkdirSync(path.join(dir, 'b/docker')); // a folder of that name is not a program
    writeFileSync(path.join(dir, 'c/docker'), '#!/bin/sh\n', { mode: 0o755 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the first executable file, skipping non-executables, folders and empty entries', () => {
    const PATH = ['', path.join(dir, 'a'), path.join(dir, 'b'), path.join(dir, 'c')].join(path.delimiter);
    expect(findOnPath('docker', { PATH })).toBe(path.join(dir, 'c/docker'));
  });

  it('answers undefined without one', () => {
    expect(findOnPath('docker', { PATH: path.join(dir, 'a') })).toBeUndefined();
    expect(findOnPath('docker', {})).toBeUndefined();
  });
});

describe('dockerChildEnvironment', () => {
  it("overrides DOCKER_HOST, drops DOCKER_CONTEXT, keeps the rest and adds the engine's host to no_proxy", () => {
    const current = { HOME: '/home/u', DOCKER_HOST: 'unix:///elsewhere.sock', DOCKER_CONTEXT: 'other', no_proxy: 'corp.example' };
    const env = dockerChildEnvironment(new StoreLayout('/home/u/.machine'), sampleRecord('dev1'), current);
    expect(env).toEqual({
      HOME: '/home/u',
      DOCKER_HOST: 'tcp://203.0.113.5:2376',
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: '/home/u/.machine/machines/dev1',
      DOCKER_MACHINE_NAME: 'dev1',
      no_proxy: 'corp.example,203.0.113.5',
    });
    // The caller's environment object is not changed.
    expect(current.DOCKER_CONTEXT).toBe('other');
  });
});
