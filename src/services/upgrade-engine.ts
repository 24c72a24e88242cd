import { createWriteStream } from 'node:fs';
import type { MachineApp } from './app';
import type { MachineRecord } from '../core/machine-record';
import { waitForEngineReady } from './engine-ready';
import type { Progress } from './progress';
import { withSession } from './ssh-access';
import type { PackageVersionChange } from '../provision/runner';

export interface UpgradeOutcome {
  name: string;
  /** The engine's version from its /version over mutual TLS, before and after. */
  engineBefore: string;
  engineAfter: string;
  packages: PackageVersionChange[];
  /** A package moved and dockerd was restarted on it. */
  changed: boolean;
}

/**
 * `machine upgrade`: the engine's packages move to the newest version the apt source chosen at
 * create offers; dockerd's configuration and data stay as they are.
 */
export async function upgradeEngine(app: MachineApp, record: MachineRecord, progress: Progress): Promise<UpgradeOutcome> {
  const engineBefore = await progress.phase('engine version', () => waitForEngineReady(app, record, 30_000));
  // Lazy: the provision runner brings the script bundle, which only this step needs.
  const { upgradeEngineOnHost } = await import('../provision/runner');
  const log = createWriteStream(app.layout.machineFile(record.name, 'provision.log'), { flags: 'a', mode: 0o600 });
  const started = Date.now();
  log.write(`--- upgrade ${new Date().toISOString()} ---\n`);
  let packages: PackageVersionChange[];
  try {
    packages = await progress.phase('upgrade engine', () =>
      withSession(app, record, (session) =>
        upgradeEngineOnHost(session, record.engine.install, {
          phase: (name) => progress.note('upgrade', name),
          log: (line) => log.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}\n`),
        }),
      ),
    );
  } finally {
    await new Promise<void>((resolve) => log.end(resolve));
  }
  const changed = packages.some((p) => p.before !== p.after);
  const engineAfter = await progress.phase('engine ready', () => waitForEngineReady(app, record, 180_000));
  // A version pinned at create would make the next `provision` go back down: the pin is spent.
  if (changed && record.engine.version !== undefined) await app.store.update(record.name, (r) => delete r.engine.version);
  return { name: record.name, engineBefore, engineAfter, packages, changed };
}
