import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MachineApp } from '../../src/services/app';
import { dropMachineContext, ensureMachineContext, refreshMachineContext, unuseMachine, useMachine } from '../../src/services/docker-context';
import { Progress, type PhaseEvent } from '../../src/services/progress';
import { readCurrentContext, writeCurrentContext } from '../../src/engine/docker-config';
import { DockerContextStore } from '../../src/engine/docker-context-store';
import { copyClientMaterialToMachine, ensureStoreCertificates } from '../../src/tls';
import { docker, dockerContexts, hasDockerCli } from '../helpers/docker-cli';
import { makeTempDir, sampleRecord } from '../helpers/tmp-store';

const itWithDocker = hasDockerCli ? it : it.skip;

const dirs: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await makeTempDir(prefix);
  dirs.push(dir);
  return dir;
}
afterAll(() => Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true }))));

/** A store with machines dev1 and dev2 (records and client material), and an empty docker config. */
async function setup(): Promise<{ app: MachineApp; configDir: string; env: NodeJS.ProcessEnv }> {
  const app = new MachineApp(await tempDir('machine-ctx-store-'));
  await ensureStoreCertificates(app.layout, 'ecdsa');
  for (const [name, ip] of [['dev1', '203.0.113.5'], ['dev2', '198.51.100.9']]) {
    await app.store.reserve(sampleRecord(name, { ip }));
    await copyClientMaterialToMachine(app.layout, name);
  }
  const configDir = await tempDir('machine-ctx-docker-');
  return { app, configDir, env: { DOCKER_CONFIG: configDir } };
}

/** A context of the user's own, made by the docker CLI itself. */
async function userContext(configDir: string, name: string): Promise<void> {
  const made = await docker(configDir, ['context', 'create', name, '--docker', 'host=unix:///run/user-engine.sock']);
  if (made.code !== 0) throw new Error(made.stderr);
}

describe('machine use', () => {
  itWithDocker('makes the machine context current, for the docker CLI too, and --unset goes back to the context from before', async () => {
    const { app, configDir, env } = await setup();
    await userContext(configDir, 'colima');
    expect((await docker(configDir, ['context', 'use', 'colima'])).code).toBe(0);

    const used = await useMachine(app, 'dev1', env);
    expect(used).toEqual({ context: 'machine-dev1', previous: 'colima', warnings: [] });
    expect((await docker(configDir, ['context', 'show'])).stdout.trim()).toBe('machine-dev1');
    expect((await dockerContexts(configDir)).find((c) => c.Name === 'machine-dev1')).toMatchObject({ Current: true, DockerEndpoint: 'tcp://203.0.113.5:2376' });

    // From one machine to another: --unset still means "what I had before machine".
    expect(await useMachine(app, 'dev2', env)).toMatchObject({ context: 'machine-dev2', previous: 'colima' });
    expect(await unuseMachine(app, env)).toEqual({ context: 'colima', changed: true });
    expect((await docker(configDir, ['context', 'show'])).stdout.trim()).toBe('colima');
    // Both machine contexts stay: `use` changes what is current, not what exists.
    expect((await dockerContexts(configDir)).map((c) => c.Name).sort()).toEqual(['colima', 'default', 'machine-dev1', 'machine-dev2']);

    // Nothing of ours is current now: --unset leaves the user's choice alone.
    expect(await unuseMachine(app, env)).toEqual({ context: 'colima', changed: false });
  });

  itWithDocker('goes back to the default context when the one from before is gone, or was the default', async () => {
    const { app, configDir, env } = await setup();
    await userContext(configDir, 'short-lived');
    await writeCurrentContext(configDir, 'short-lived');
    await useMachine(app, 'dev1', env);
    expect((await docker(configDir, ['context', 'rm', 'short-lived'])).code).toBe(0);
    expect(await unuseMachine(app, env)).toEqual({ context: 'default', changed: true });
    expect(await readCurrentContext(configDir)).toBeUndefined();

    expect(await useMachine(app, 'dev2', env)).toMatchObject({ previous: 'default' });
    expect(await unuseMachine(app, env)).toEqual({ context: 'default', changed: true });
    expect(JSON.parse(await fs.readFile(path.join(configDir, 'config.json'), 'utf8'))).not.toHaveProperty('currentContext');
  });

  it('remembers the context from before per docker config folder, in the machine store', async () => {
    const { app, configDir, env } = await setup();
    const otherConfig = await tempDir('machine-ctx-docker2-');
    await new DockerContextStore(configDir).write({ name: 'mine', description: '', host: 'tcp://192.0.2.1:2376', tls: { ca: '', cert: '', key: '' } });
    await writeCurrentContext(configDir, 'mine');
    await useMachine(app, 'dev1', env);
    await useMachine(app, 'dev2', { DOCKER_CONFIG: otherConfig });

    const memory = JSON.parse(await fs.readFile(app.layout.previousDockerContextFile, 'utf8'));
    expect(memory).toEqual({ [configDir]: 'mine', [otherConfig]: 'default' });
    expect(await unuseMachine(app, { DOCKER_CONFIG: otherConfig })).toEqual({ context: 'default', changed: true });
    expect(await unuseMachine(app, env)).toEqual({ context: 'mine', changed: true });
    expect(JSON.parse(await fs.readFile(app.layout.previousDockerContextFile, 'utf8'))).toEqual({});
  });

  it('says what in the shell overrides the current context', async () => {
    const { app, configDir } = await setup();
    const { warnings } = await useMachine(app, 'dev1', { DOCKER_CONFIG: configDir, DOCKER_HOST: 'tcp://198.51.100.1:2376', DOCKER_CONTEXT: 'colima' });
    expect(warnings).toEqual([
      expect.stringMatching(/^DOCKER_HOST is set in this shell and overrides the current context "machine-dev1": clear it with `eval "\$\(machine env --unset\)"`$/),
      expect.stringMatching(/^DOCKER_CONTEXT=colima is set in this shell and overrides the current context "machine-dev1": unset DOCKER_CONTEXT$/),
    ]);
    expect((await useMachine(app, 'dev1', { DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'machine-dev1' })).warnings).toEqual([]);
  });

  it('refuses a machine that does not exist, changing nothing', async () => {
    const { app, configDir, env } = await setup();
    await expect(useMachine(app, 'nope', env)).rejects.toThrow(/does not exist/);
    await expect(fs.readdir(configDir)).resolves.toEqual([]);
  });
});

describe('the context through a machine\'s life', () => {
  it('refresh writes it (a failure is a note), ensure writes only a missing one, drop removes it and the current choice', async () => {
    const { app, configDir } = await setup();
    const events: PhaseEvent[] = [];
    const progress = new Progress({ emit: (e) => events.push(e) });
    const saved = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = configDir;
    try {
      const dev1 = await app.store.load('dev1');
      await refreshMachineContext(app, dev1, progress, { onlyIfExists: true });
      expect(await new DockerContextStore(configDir).exists('machine-dev1')).toBe(false);
      await refreshMachineContext(app, dev1, progress);
      expect(await new DockerContextStore(configDir).read('machine-dev1')).toMatchObject({ host: 'tcp://203.0.113.5:2376' });

      // The machine moved (a cloud start without a fixed address): the context follows.
      const moved = await app.store.update('dev1', (r) => (r.ip = '192.0.2.77'));
      await refreshMachineContext(app, moved, progress, { onlyIfExists: true });
      expect(await new DockerContextStore(configDir).read('machine-dev1')).toMatchObject({ host: 'tcp://192.0.2.77:2376' });

      await fs.rm(app.layout.machineFile('dev1', 'key.pem'));
      await refreshMachineContext(app, moved, progress);
      expect(events.at(-1)).toMatchObject({ event: 'note', phase: 'docker context', message: expect.stringMatching(/could not write docker context machine-dev1 .*key\.pem/) });
    } finally {
      if (saved === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = saved;
    }

    const dev2 = await app.store.load('dev2');
    expect(await ensureMachineContext(app, dev2, configDir)).toBe('machine-dev2');
    const keyFile = path.join(new DockerContextStore(configDir).tlsDir('machine-dev2'), 'docker', 'key.pem');
    const before = (await fs.stat(keyFile)).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await ensureMachineContext(app, dev2, configDir);
    expect((await fs.stat(keyFile)).mtimeMs).toBe(before);

    await useMachine(app, 'dev2', { DOCKER_CONFIG: configDir });
    expect(await dropMachineContext(app, 'dev2', configDir)).toEqual(['the current docker context is now "default"', 'removed docker context machine-dev2']);
    expect(await readCurrentContext(configDir)).toBeUndefined();
    expect(await new DockerContextStore(configDir).exists('machine-dev2')).toBe(false);
    expect(await dropMachineContext(app, 'dev2', configDir)).toEqual([]);
  });
});
