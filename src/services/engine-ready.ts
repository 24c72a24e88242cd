import type { MachineApp } from './app';
import type { MachineRecord } from '../core/machine-record';
import { engineVersion, waitForEngine } from '../engine/engine-client';
import { withEngineTarget } from './engine-access';

/**
 * Ready means the client's own request succeeds (mutual TLS, or through SSH for the ssh transport): GET /_ping, then /version.
 * Returns the engine version.
 */
export async function waitForEngineReady(app: MachineApp, record: MachineRecord, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  return withEngineTarget(app, record, async (target) => {
    await waitForEngine(target, { timeoutMs, intervalMs: 500, ...(signal ? { signal } : {}) });
    const version = await engineVersion(target, { timeoutMs: 10_000 });
    return version.Version;
  });
}
