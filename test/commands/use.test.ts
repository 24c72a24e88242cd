import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MachineStore } from '../../src/core/store/machine-store';
import { StoreLayout } from '../../src/core/store-layout';
import { readCurrentContext } from '../../src/engine/docker-config';
import { DockerContextStore } from '../../src/engine/docker-context-store';
import { copyClientMaterialToMachine, ensureStoreCertificates } from '../../src/tls';
import { docker, hasDockerCli } from '../helpers/docker-cli';
import { makeTempDir, sampleRecord } from '../helpers/tmp-store';
import { freePort } from '../engine/fake-dockerd';

/**
 * `use`, `active`, `ls` and `rm` as users run them (the compiled bin/run.js), with a docker config
 * folder of the test's own. Needs `npm run build`, which `npm test` runs first.
 */
const repoRoot = path.join(__dirname, '..', '..');
const itWithDocker = hasDockerCli ? it : it.skip;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function machine(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'MACHINE_STORAGE_PATH', 'MACHINE_DEBUG', 'DEBUG']) delete childEnv[name];
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), ...args], { env: { ...childEnv, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('machine use, active, ls and rm with docker contexts', () => {
  let store: string;
  let configDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    store = await makeTempDir();
    configDir = path.join(store, 'docker-config');
    env = { MACHINE_STORAGE_PATH: store, DOCKER_CONFIG: configDir };
    const layout = new StoreLayout(store);
    await ensureStoreCertificates(layout, 'ecdsa');
    // SSH ports nothing listens on: ls finds them Stopped at once, without a network.
    for (const name of ['dev1', 'dev2']) {
      const sshPort = await freePort();
      await new MachineStore(layout).reserve(
        sampleRecord(name, { ip: '127.0.0.1', driverConfig: { ipAddress: '127.0.0.1', sshUser: 'admin', sshPort, enginePort: 2376 }, ssh: { host: '127.0.0.1', port: sshPort, user: 'admin', useAgent: true } }),
      );
      await copyClientMaterialToMachine(layout, name);
    }
  });
  afterAll(() => fs.rm(store, { recursive: true, force: true }));

  const activeColumn = async (extraEnv: NodeJS.ProcessEnv = {}) => {
    const ls = await machine(['ls', '--format', '{{.Name}}={{.Active}}', '--timeout', '5'], { ...env, ...extraEnv });
    expect(ls.code).toBe(0);
    return ls.stdout.trim().split('\n');
  };

  itWithDocker('use makes docker talk to the machine; active and ls mark it; --unset and rm put things back', async () => {
    const used = await machine(['use', 'dev1'], env);
    expect({ code: used.code, stderr: used.stderr }).toEqual({ code: 0, stderr: '' });
    expect(used.stdout).toMatch(/^Current docker context is now "machine-dev1"\. `machine use --unset` goes back to "default"\.$/m);
    expect((await docker(configDir, ['context', 'show'])).stdout.trim()).toBe('machine-dev1');

    expect((await machine(['active'], env)).stdout.trim()).toBe('dev1');
    expect(await activeColumn()).toEqual(['dev1=*', 'dev2=-']);
    // DOCKER_CONTEXT and DOCKER_HOST choose first, as they do for the docker CLI.
    expect(await activeColumn({ DOCKER_CONTEXT: 'machine-dev2' })).toEqual(['dev1=-', 'dev2=*']);
    expect(await activeColumn({ DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_CONTEXT: 'machine-dev2' })).toEqual(['dev1=*', 'dev2=*']);

    const json = await machine(['use', 'dev2', '--json'], env);
    expect(JSON.parse(json.stdout)).toEqual({ context: 'machine-dev2', previous: 'default', warnings: [] });

    const overridden = await machine(['use', 'dev2'], { ...env, DOCKER_HOST: 'tcp://192.0.2.1:2376' });
    expect(overridden.code).toBe(0);
    // oclif wraps warnings and marks each line with ›: read it as one line.
    expect(overridden.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')).toMatch(/Warning: DOCKER_HOST is set in this shell and overrides the current context "machine-dev2"/);

    const unset = await machine(['use', '--unset'], env);
    expect(unset.stdout.trim()).toBe('Current docker context is now "default".');
    expect(await readCurrentContext(configDir)).toBeUndefined();
    expect(await activeColumn()).toEqual(['dev1=-', 'dev2=-']);
    const none = await machine(['active'], env);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/neither \$DOCKER_HOST nor the docker context/);

    await machine(['use', 'dev2'], env);
    const rm = await machine(['rm', '-y', 'dev2'], env);
    expect(rm.code).toBe(0);
    expect(rm.stdout).toMatch(/dev2: the current docker context is now "default"/);
    expect(rm.stdout).toMatch(/dev2: removed docker context machine-dev2/);
    expect(await readCurrentContext(configDir)).toBeUndefined();
    expect(await new DockerContextStore(configDir).exists('machine-dev2')).toBe(false);
    expect(await new DockerContextStore(configDir).exists('machine-dev1')).toBe(true);
  });

  it('use --unset takes no name; use needs a machine that exists', async () => {
    const both = await machine(['use', '--unset', 'dev1'], env);
    expect({ code: both.code, stderr: both.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/--unset takes no machine name/) });
    const missing = await machine(['use', 'nope'], env);
    expect({ code: missing.code, stderr: missing.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/machine "nope" does not exist/) });
  });
});
