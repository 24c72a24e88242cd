import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type CreateResult, type Driver, LIFECYCLE_OPERATIONS, type LifecycleOperation } from '../../src/core/driver';
import { NotSupportedError } from '../../src/core/errors';
import type { MachineState } from '../../src/core/machine-record';
import { driverCatalog } from '../../src/services/driver-catalog';
import { runLifecycle } from '../../src/services/lifecycle';
import { Progress, silentSink } from '../../src/services/progress';
import { rejectionOf } from '../helpers/rejection';
import { amazonec2Backing } from './contract/amazonec2';
import { type ContractBacking, isJournaled } from './contract/backing';
import { CoreStandIn } from './contract/core-stand-in';
import { genericBacking } from './contract/generic';
import { describeSamplePluginThroughCli } from './contract/plugin-cli';
import { qemuBacking } from './contract/qemu';
import { sampleBacking } from './contract/sample';

/**
 * The guarantees of the Driver contract (src/core/driver.ts), checked for every driver against its
 * own real or local backing (contract/*.ts), through RegisteredDriver.open as the core loads drivers:
 *  - what a driver declares unsupported it leaves out, and the lifecycle service refuses it with the
 *    declared advice; everything else it implements;
 *  - create journals each resource before (or the moment) it exists: at each journal() return the
 *    backing holds nothing of the machine that the journal does not account for, and a create
 *    interrupted anywhere, or failed by its backing at any call the backing can refuse, leaves
 *    nothing once rolled back as the core does;
 *  - create, then stop, start and kill, each followed by the core's polling of state();
 *  - state() of a machine whose resource vanished behind the driver's back is NotFound (or, where the
 *    backing cannot tell, what its module declares and why);
 *  - remove() cleans up, answers notes, and may run again.
 * A new driver joins by adding its backing module to BACKINGS; a driver a plugin brings is loaded
 * through the core's plugin discovery and loader (its backing names the plugin package), as the
 * sample plugin driver is (test/fixtures/sample-driver).
 *
 * Order matters for one VM: the sample driver's contract, the sample plugin through the CLI, then
 * the generic driver's contract share one (contract/shared-vm.ts), and generic's stop and vanish
 * tests power it off, so generic comes last of the three.
 */
const MINUTE = 60_000;
const BACKINGS: Array<[string, () => ContractBacking]> = [
  ['sample', sampleBacking],
  ['generic', genericBacking],
  ['qemu', qemuBacking],
  ['amazonec2', amazonec2Backing],
];
/** Each lifecycle operation, from the state the previous one left, and the state the core then waits for. */
const LIFECYCLE_STEPS: Array<[LifecycleOperation, MachineState]> = [
  ['stop', 'Stopped'],
  ['start', 'Running'],
  ['kill', 'Stopped'],
];
const STATE_TIMEOUT_MS = 5 * MINUTE;
const SSH_TIMEOUT_MS = 5 * MINUTE;
/** More interrupt points than any driver has means the loop below lost its way. */
const MAX_INTERRUPT_POINTS = 30;

interface CreateRun {
  /** The points create reached, in order: after each journal() call, and at each progress line. */
  points: string[];
  /** Resources the backing held, at some journal() return, that the journal did not account for. */
  unjournaled: string[];
  created?: CreateResult;
  error?: unknown;
  /** The driver object that ran create: the core goes on with it (waits for Running) before reading the record again. */
  driver: Driver;
}

function contractSuite(driverName: string, makeBacking: () => ContractBacking): void {
  const backing = makeBacking();
  const plugins = backing.plugin ? [backing.plugin] : [];
  // Through the core's plugin discovery and loader for a plugin's driver, as `machine create --driver NAME` finds it.
  const registered = driverCatalog(plugins).find(driverName);
  const steps = LIFECYCLE_STEPS.filter(([operation]) => registered.unsupported[operation] === undefined);
  const lifeName = `${driverName}-life`;
  let suiteStartedAt = 0;
  const savedEnv = new Map<string, string | undefined>();
  let store: string;
  let core: CoreStandIn;

  const leftoversOf = async (name: string): Promise<string[]> => (await backing.leftovers(core.machine(name))).map((r) => r.description);

  /** Runs preCreateCheck and create as the core does, aborting the signal when create reaches point `interruptAt` (0: before it starts). */
  const runCreate = async (name: string, interruptAt?: number): Promise<CreateRun> => {
    const { sshPublicKey } = await core.reserve(name, backing.configFor(name));
    const controller = new AbortController();
    const driver = await core.open(name);
    const run: CreateRun = { points: [], unjournaled: [], driver };
    const reach = (point: string): void => {
      run.points.push(point);
      if (run.points.length === interruptAt) controller.abort();
    };
    const ctx = core.createContext(name, controller.signal, sshPublicKey, {
      afterJournal: async (entry, journal) => {
        for (const resource of await backing.leftovers(core.machine(name))) {
          if (!isJournaled(resource, journal)) run.unjournaled.push(`${resource.description}, when journal(${entry.kind} ${entry.id}) returned`);
        }
        reach(`after journal(${entry.kind})`);
      },
      // A progress line says what create does next: an interrupt there lands mid-way, often inside a wait.
      onProgress: (message) => reach(`at progress "${message}"`),
    });
    await driver.preCreateCheck();
    if (interruptAt === 0) controller.abort();
    try {
      run.created = await driver.create(ctx);
    } catch (error) {
      run.error = error;
    }
    return run;
  };

  /** The core's roll back after a failed or interrupted create: remove() on a driver loaded from the record, when anything was journaled. */
  const rollBack = async (name: string): Promise<void> => {
    if ((await core.record(name)).resources.length > 0) await (await core.open(name)).remove();
  };

  const removeChecked = async (name: string, attempt: string): Promise<void> => {
    const notes = await (await core.open(name)).remove();
    expect({ attempt, notesAreLines: Array.isArray(notes) && notes.every((note) => typeof note === 'string'), leftovers: await leftoversOf(name) }).toEqual({ attempt, notesAreLines: true, leftovers: [] });
  };

  beforeAll(async () => {
    suiteStartedAt = Date.now();
    store = await fs.mkdtemp(path.join(os.tmpdir(), `machine-contract-${driverName}-`));
    await backing.setUp(store);
    core = new CoreStandIn(registered, store, plugins);
    for (const [key, value] of Object.entries(backing.processEnv())) {
      savedEnv.set(key, process.env[key]);
      process.env[key] = value;
    }
  }, 20 * MINUTE);

  afterAll(async () => {
    // A test that failed half-way may have left machines: remove what their records still name.
    for (const name of await core.app.store.names().catch(() => [])) {
      await core
        .open(name)
        .then((driver) => driver.remove())
        .catch(() => undefined);
    }
    await backing.tearDown();
    for (const [key, value] of savedEnv) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await fs.rm(store, { recursive: true, force: true });
    console.log(`driver contract for ${driverName} took ${((Date.now() - suiteStartedAt) / 1000).toFixed(1)} s`);
  }, 10 * MINUTE);

  it('leaves out what it declares unsupported, the lifecycle service refuses that with the advice, and it implements the rest', async () => {
    const name = `${driverName}-decl`;
    await core.reserve(name, backing.configFor(name));
    const driver: Driver = await core.open(name);
    expect(driver.name).toBe(registered.name);
    expect(Object.keys(registered.unsupported).filter((key) => !(LIFECYCLE_OPERATIONS as readonly string[]).includes(key))).toEqual([]);
    const implemented = LIFECYCLE_OPERATIONS.map((operation) => ({ operation, implemented: typeof driver[operation] === 'function' }));
    expect(implemented).toEqual(LIFECYCLE_OPERATIONS.map((operation) => ({ operation, implemented: registered.unsupported[operation] === undefined })));

    for (const operation of LIFECYCLE_OPERATIONS) {
      const advice = registered.unsupported[operation];
      if (advice === undefined) continue;
      const refusal = await rejectionOf(runLifecycle(core.app, await core.record(name), operation, new Progress(silentSink)), NotSupportedError);
      expect({ operation, message: refusal.message, suggestions: refusal.suggestions }).toEqual({ operation, message: `${operation} is not supported by the ${driverName} driver`, suggestions: [advice] });
    }

    // A machine whose create never ran: remove() finds nothing to do and says so without failing.
    await removeChecked(name, 'before create');
    await core.forget(name);
  }, 2 * MINUTE);

  it('an interrupted create leaves nothing once rolled back, wherever it is interrupted', async () => {
    const tried: string[] = [];
    for (let point = 0; point <= MAX_INTERRUPT_POINTS; point++) {
      const name = `${driverName}-i${point}`;
      const run = await runCreate(name, point);
      const reached = point === 0 || run.points.length >= point;
      const where = point === 0 ? 'before create began' : reached ? run.points[point - 1] : 'nowhere: create ran to its end';
      expect({ where, unjournaled: run.unjournaled }).toEqual({ where, unjournaled: [] });
      if (reached) {
        await rollBack(name);
        expect({ where, leftovers: await leftoversOf(name) }).toEqual({ where, leftovers: [] });
      }
      // Then `machine rm`, which calls remove() whatever the journal holds.
      await removeChecked(name, `rm after interrupting ${where}`);
      await core.forget(name);
      tried.push(where);
      if (!reached) break;
    }
    expect(tried.at(-1)).toBe('nowhere: create ran to its end');
    console.log(`${driverName}: create interrupted ${tried.length - 1} ways: ${tried.slice(0, -1).join('; ')}`);
  }, 15 * MINUTE);

  if (backing.refusals.length > 0) {
    it('a create whose backing refuses a call part-way leaves nothing once rolled back', async () => {
      const outcomes = [];
      for (const [index, operation] of backing.refusals.entries()) {
        const name = `${driverName}-f${index}`;
        backing.refuseNext(operation);
        const run = await runCreate(name).finally(() => backing.stopRefusing());
        await rollBack(name);
        const afterRollBack = await leftoversOf(name);
        // Then `machine rm`, which calls remove() whatever the journal holds.
        await (await core.open(name)).remove();
        outcomes.push({ operation, failed: run.error !== undefined, unjournaled: run.unjournaled, afterRollBack, afterRm: await leftoversOf(name) });
        await core.forget(name);
      }
      expect(outcomes).toEqual(backing.refusals.map((operation) => ({ operation, failed: true, unjournaled: [], afterRollBack: [], afterRm: [] })));
    }, 10 * MINUTE);
  }

  it('create journals as it goes and answers; the core sees Running and the host answers SSH', async () => {
    const run = await runCreate(lifeName);
    expect({ error: run.error, unjournaled: run.unjournaled }).toEqual({ error: undefined, unjournaled: [] });
    await core.recordCreated(lifeName, run.created as CreateResult);
    // As create does, with the object that created; then as a later command does, from the record.
    await core.waitFor(run.driver, 'Running', STATE_TIMEOUT_MS);
    await core.waitFor(await core.open(lifeName), 'Running', STATE_TIMEOUT_MS);
    expect(await core.sshRun(lifeName, 'cat /proc/sys/kernel/random/boot_id', SSH_TIMEOUT_MS)).toMatch(/^[0-9a-f-]{36}\n$/);
  }, 12 * MINUTE);

  if (steps.length > 0) {
    it.each(steps)('%s asks for the change, and the core sees the machine %s', async (operation, wanted) => {
      const driver = await core.open(lifeName);
      const action = driver[operation];
      if (!action) throw new Error(`${driverName} does not implement ${operation}, which it does not declare unsupported`);
      await action.call(driver);
      await core.waitFor(driver, wanted, STATE_TIMEOUT_MS);
    }, 8 * MINUTE);
  }

  const vanishedTitle =
    backing.vanished.state === 'NotFound'
      ? 'state() answers NotFound once the resource vanished behind the driver\'s back'
      : `state() of a host that vanished answers ${backing.vanished.state}: this backing cannot tell it from a stopped one (${backing.vanished.cannotTell})`;
  it(vanishedTitle, async () => {
    const driver = await core.open(lifeName);
    // Vanishing a running machine is the harder case; one that can be started is started first.
    if (driver.start && (await driver.state()) !== 'Running') {
      await driver.start();
      await core.waitFor(driver, 'Running', STATE_TIMEOUT_MS);
    }
    await backing.vanish(core.machine(lifeName));
    expect(await (await core.open(lifeName)).state()).toBe(backing.vanished.state);
  }, 8 * MINUTE);

  it('remove cleans up what create made, answers notes, and removing again is fine', async () => {
    await removeChecked(lifeName, 'first remove');
    await removeChecked(lifeName, 'second remove');
    await core.forget(lifeName);
  }, 8 * MINUTE);
}

for (const [driverName, makeBacking] of BACKINGS) {
  describe(`the ${driverName} driver keeps the driver contract`, () => contractSuite(driverName, makeBacking));
  // On the VM the sample contract used, before the generic contract powers it off (contract/shared-vm.ts).
  if (driverName === 'sample') describeSamplePluginThroughCli();
}
