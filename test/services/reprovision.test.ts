import { promises as fs } from 'node:fs';
import { createMachine } from '../../src/services/create-machine';
import { reprovision } from '../../src/services/reprovision';
import { type World, createRequest, destroyWorld, finishedPhases, makeWorld, worldWithMachine } from './fakes/world';

/**
 * `machine provision` and `machine regenerate-certs`: provisioning again over one SSH connection to
 * the fake host, then the engine wait against its dockerd, which restarts with what was uploaded.
 */
let world: World | undefined;
afterEach(() => destroyWorld(world));

async function setUp(): Promise<World> {
  world = await worldWithMachine();
  return world;
}

const read = (file: string) => fs.readFile(file, 'utf8');
const serverCert = (w: World) => read(w.app.layout.machineFile('dev1', 'server.pem'));
const configureRuns = (w: World) => w.host.scriptsRun().filter((script) => script === 'configure-engine');

it('provisions over one strict connection, keeps a server certificate that still fits, and waits for the engine', async () => {
  const w = await setUp();
  const before = await serverCert(w);

  const outcome = await reprovision(w.app, await w.app.store.load('dev1'), w.progress, { newServerCert: false });

  expect(outcome).toEqual({ name: 'dev1', engineChanged: true, dockerVersion: '27.3.1' });
  expect(w.host.attempts.map((a) => [a.kind, a.options.pinMode])).toEqual([['connect', 'strict']]);
  expect(configureRuns(w)).toHaveLength(1);
  expect(w.host.sessions[0].closed).toBe(true);
  expect(await serverCert(w)).toBe(before);
  expect(finishedPhases(w)).toEqual(['provision', 'engine ready']);
});

it('says the engine did not change when the host reports everything in place', async () => {
  const w = await setUp();
  w.host.replies = { ...w.host.replies, 'configure-engine': { stdout: 'engine: unchanged\n::engine unchanged\n' } };
  const outcome = await reprovision(w.app, await w.app.store.load('dev1'), w.progress, { newServerCert: false });
  expect(outcome.engineChanged).toBe(false);
});

it('issues a new server certificate when asked, and the engine answers with it', async () => {
  const w = await setUp();
  const before = await serverCert(w);

  await reprovision(w.app, await w.app.store.load('dev1'), w.progress, { newServerCert: true });

  const after = await serverCert(w);
  expect(after).not.toBe(before);
  const uploaded = w.host.sessions[0].files.get(`${w.host.sessions[0].stagingDir}/server.pem`);
  expect(uploaded?.content).toBe(after);
});

it('rotates the CA and client certificate first when asked, and the engine trusts the new ones', async () => {
  const w = await setUp();
  const oldCa = await read(w.app.layout.caCert());

  await reprovision(w.app, await w.app.store.load('dev1'), w.progress, { newServerCert: true, rotateClientCerts: true });

  const newCa = await read(w.app.layout.caCert());
  expect(newCa).not.toBe(oldCa);
  expect(await read(w.app.layout.machineFile('dev1', 'ca.pem'))).toBe(newCa);
  expect(finishedPhases(w)).toEqual(['rotate CA and client certificate', 'provision', 'engine ready']);
});

it('makes a machine whose create failed at the engine ready once the engine answers', async () => {
  world = await makeWorld();
  const w = world;
  w.host.dockerdStarts = false;
  await expect(createMachine(w.app, createRequest(w, { keepOnFailure: true }), w.progress)).rejects.toMatchObject({ code: 'ENGINE_TIMEOUT' });
  expect((await w.app.store.load('dev1')).status).toBe('error');
  w.host.dockerdStarts = true;

  await reprovision(w.app, await w.app.store.load('dev1'), w.progress, { newServerCert: false });

  const record = await w.app.store.load('dev1');
  expect(record.status).toBe('ready');
  expect(record.error).toBeUndefined();
});
