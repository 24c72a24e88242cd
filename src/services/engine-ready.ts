import type { MachineApp } from './app';
import type { MachineRecord } from '../core/machine-record';
import { engineVersion, waitForEngine } from '../engine/engine-client';
import { engineTargetFor } from './engine-access';

/**
 * Ready means the client's own mutual-TLS request succeeds: GET /_ping, then /version.
 * Returns the engine version.
 */
export async function waitForEngineReady(app: MachineApp, record: MachineRecord, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  const target = await engineTargetFor(app, record);
  await waitForEngine(target, { timeoutMs, intervalMs: 500, ...(signal ? { signal } : {}) });
  const version = await engineVersion(target, { timeoutMs: 10_000 });
  return version.Version;
}
