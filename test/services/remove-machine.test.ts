import { promises as fs } from 'node:fs';
import { MachineError, OperationError } from '../../src/core/errors';
import { removeMachine } from '../../src/services/remove-machine';
import { rejectionOf } from '../helpers/rejection';
import { type World, destroyWorld, worldWithMachine } from './fakes/world';

/** `machine rm` on a machine made by the real create pipeline, against the fake provider. */
let world: World | undefined;
afterEach(() => destroyWorld(world));

async function setUp(): Promise<World> {
  world = await worldWithMachine();
  return world;
}

it("removes what the journal names, then the record, passing on the driver's notes", async () => {
  const w = await setUp();

  const outcome = await removeMachine(w.app, 'dev1', false);

  expect(outcome).toEqual({ name: 'dev1', removed: true, notes: ['removed disk disk-dev1', 'removed vm vm-dev1', 'removed docker context machine-dev1'] });
  expect(w.cloud.resources.size).toBe(0);
  expect(await w.app.store.exists('dev1')).toBe(false);
});

it('is success when the provider already lost the resources, and says so', async () => {
  const w = await setUp();
  w.cloud.resources.clear();

  const outcome = await removeMachine(w.app, 'dev1', false);

  expect(outcome.notes).toEqual(['disk disk-dev1 was already gone', 'vm vm-dev1 was already gone', 'removed docker context machine-dev1']);
  expect(await w.app.store.exists('dev1')).toBe(false);
});

describe('when the driver cannot remove', () => {
  const providerDown = () => new OperationError('PROVIDER_UNAVAILABLE', 'the provider API answered 503');

  it('keeps the record, so nothing is forgotten, and names `machine rm --force`', async () => {
    const w = await setUp();
    w.cloud.removeFailure = providerDown();

    const err = await rejectionOf(removeMachine(w.app, 'dev1', false), MachineError);

    expect(err.code).toBe('REMOVE_FAILED');
    expect(err.message).toBe('could not remove what the fake driver made for "dev1": the provider API answered 503');
    expect(err.suggestions).toEqual(['retry later, or drop the local record anyway with `machine rm --force dev1`']);
    expect(err.cause).toBe(w.cloud.removeFailure);
    expect((await w.app.store.load('dev1')).resources).toHaveLength(2);
    expect(w.cloud.resources.size).toBe(2);
  });

  it('with force, drops the record anyway and reports what the driver said', async () => {
    const w = await setUp();
    w.cloud.removeFailure = providerDown();

    const outcome = await removeMachine(w.app, 'dev1', true);

    expect(outcome).toEqual({ name: 'dev1', removed: true, notes: ['removed docker context machine-dev1'], remoteError: 'the provider API answered 503' });
    expect(await w.app.store.exists('dev1')).toBe(false);
  });
});

it('removes a record whose create failed half-way, with only what was journaled', async () => {
  const w = await setUp();
  // As a create with --keep-on-failure that made the disk and failed: the journal has only the disk.
  await w.app.store.update('dev1', (r) => {
    r.status = 'error';
    r.resources = r.resources.filter((x) => x.kind === 'disk');
  });
  w.cloud.resources.delete('vm-dev1');

  const outcome = await removeMachine(w.app, 'dev1', false);

  expect(outcome.notes).toEqual(['removed disk disk-dev1', 'removed docker context machine-dev1']);
  expect(w.cloud.resources.size).toBe(0);
});

describe('a record that fails its schema', () => {
  /** Breaks the record on disk the way a hand edit or a crash would, keeping the rest of it. */
  async function breakRecord(w: World, change: (raw: Record<string, unknown>) => void): Promise<void> {
    const file = w.app.layout.machineFile('dev1', 'config.json');
    const raw = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
    change(raw);
    await fs.writeFile(file, JSON.stringify(raw));
  }

  it('still has the driver remove what the journal names, when driver, config and journal are sound', async () => {
    const w = await setUp();
    await breakRecord(w, (raw) => (raw.engine = 'not an object'));

    const outcome = await removeMachine(w.app, 'dev1', false);

    expect(outcome).toEqual({ name: 'dev1', removed: true, notes: ['removed disk disk-dev1', 'removed vm vm-dev1', 'removed docker context machine-dev1'] });
    expect(w.cloud.resources.size).toBe(0);
    expect(await w.app.store.entries()).toEqual([]);
  });

  it('removes the record without --force when the journal is unreadable, and says what could not be looked for', async () => {
    const w = await setUp();
    await breakRecord(w, (raw) => (raw.resources = 'garbled'));

    const outcome = await removeMachine(w.app, 'dev1', false);

    expect(outcome.remoteError).toMatch(/^the record of machine "dev1" is unusable: .*resources: Expected array.*check your provider for resources named "dev1"$/);
    expect(w.cloud.calls).not.toContain('remove');
    expect(w.cloud.resources.size).toBe(2);
    expect(await w.app.store.entries()).toEqual([]);
  });
});
