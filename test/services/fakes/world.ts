import { promises as fs } from 'node:fs';
import { MachineApp } from '../../../src/services/app';
import { type CreateRequest, createMachine } from '../../../src/services/create-machine';
import { type PhaseEvent, Progress } from '../../../src/services/progress';
import { FakeClock } from '../../helpers/fake-clock';
import { makeTempDir } from '../../helpers/tmp-store';
import { FakeCloud, type FakeCloudOptions } from './fake-driver';
import { FakeHost } from './fake-host';

/**
 * Everything one orchestration test works against: a real store in a temp folder, the fake provider
 * and its host, a fake clock, and an app wired to them the way commands wire the real ones.
 */
export interface World {
  storePath: string;
  cloud: FakeCloud;
  host: FakeHost;
  clock: FakeClock;
  app: MachineApp;
  events: PhaseEvent[];
  progress: Progress;
}

export async function makeWorld(options: FakeCloudOptions = {}): Promise<World> {
  const storePath = await makeTempDir('orchestration-');
  const cloud = new FakeCloud(options);
  const host = await FakeHost.boot();
  const clock = new FakeClock();
  const app = new MachineApp(storePath, { drivers: [cloud.registered], ssh: host, clock });
  const events: PhaseEvent[] = [];
  return { storePath, cloud, host, clock, app, events, progress: new Progress({ emit: (e) => events.push(e) }) };
}

export async function destroyWorld(world: World | undefined): Promise<void> {
  if (!world) return;
  await world.host.stop();
  await fs.rm(world.storePath, { recursive: true, force: true });
}

export function createRequest(world: World, overrides: Partial<CreateRequest> = {}): CreateRequest {
  return {
    name: 'dev1',
    driver: world.cloud.registered,
    driverConfig: world.cloud.config({ enginePort: world.host.enginePort }),
    engine: { install: 'distro', port: world.host.enginePort, labels: [], opts: [], env: [], insecureRegistries: [], registryMirrors: [] },
    tls: { keyType: 'ecdsa', sans: [] },
    keepOnFailure: false,
    signal: new AbortController().signal,
    // The engine wait is the one that runs on real time (real TLS connections); keep its failures short.
    timeouts: { engineMs: 300 },
    ...overrides,
  };
}

/** A machine made through the real create pipeline; the record, events and clock start afresh after it. */
export async function worldWithMachine(options: FakeCloudOptions = {}): Promise<World> {
  const world = await makeWorld(options);
  await createMachine(world.app, createRequest(world), world.progress);
  world.events.length = 0;
  world.clock.sleeps.length = 0;
  world.cloud.calls.length = 0;
  world.host.attempts.length = 0;
  world.host.sessions.length = 0;
  return world;
}

/** The phases that ended, in order. */
export function finishedPhases(world: World): string[] {
  return world.events.filter((e) => e.event === 'phase-end').map((e) => e.phase);
}
