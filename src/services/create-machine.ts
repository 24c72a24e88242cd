import { promises as fs } from 'node:fs';
import type { MachineApp } from './app';
import type { RegisteredDriver, StoredDriverConfig } from './driver-registry';
import type { CreateContext, Driver } from '../core/driver';
import { MachineError, MachineExistsError, OperationError, createInterrupted, errorMessage, throwIfCreateInterrupted } from '../core/errors';
import { type EngineOptions, type MachineRecord, RECORD_SCHEMA_VERSION, type TlsOptions } from '../core/machine-record';
import { withStoreLock } from '../core/store/lock';
import { currentProcess } from '../core/process-identity';
import { pathForRecord } from '../core/store/record-paths';
import { generateMachineKeyPair } from '../ssh/keys';
import { waitForEngineReady } from './engine-ready';
import type { Progress } from './progress';
import { refreshMachineContext } from './docker-context';
import { refreshSshClientConfig } from './ssh-client-config';
import { provisionMachine } from './provision-machine';
import { ImageCacheForCreate } from './provisioned-image-capture';
import { sshOptionsFor } from './ssh-access';
import { waitForState } from './wait-state';

export interface CreateRequest {
  name: string;
  driver: RegisteredDriver;
  driverConfig: StoredDriverConfig;
  engine: EngineOptions;
  tls: TlsOptions;
  /** Local path of --engine-repo-key; copied into the machine folder. */
  engineRepoKeyFile?: string;
  keepOnFailure: boolean;
  /** False for --no-image-cache: neither boot from nor keep a provisioned image. Default true. */
  imageCache?: boolean;
  signal: AbortSignal;
  timeouts?: { runningMs?: number; sshMs?: number; engineMs?: number };
}

export interface CreateOutcome {
  record: MachineRecord;
  dockerVersion: string;
  timings: Array<{ phase: string; ms: number }>;
}

/**
 * The create pipeline (ARCHITECTURE.md, "Create, step by step"). Every step is a named phase; the first failure leaves the
 * record in state `error` with the phase and reason, and rolls back what the driver made unless
 * --keep-on-failure. A failed pre-create check changes nothing at all.
 */
export async function createMachine(app: MachineApp, request: CreateRequest, progress: Progress): Promise<CreateOutcome> {
  const { store, layout } = app;
  const { name } = request;
  if (await store.exists(name)) throw new MachineExistsError(name);

  const driver = await loadDriver(app, request);
  await progress.phase('pre-create check', () => driver.preCreateCheck());

  let sshPublicKey: string | undefined;
  // Lazy, here and below: the X.509 library and ssh2 load only when create gets this far. Loaded before
  // the store lock, not inside it: with a fleet of creates starting at once, loading it took seconds
  // of CPU, and every other create waited for the lock meanwhile.
  const { ensureStoreCertificates } = await import('../tls');
  await progress.phase('reserve', () =>
    withStoreLock(
      layout.root,
      async () => {
        await store.reserve(initialRecord(request));
        await ensureStoreCertificates(layout, request.tls.keyType);
      },
      // Ctrl-C while waiting for another command's lock ends the wait with nothing reserved.
      { signal: request.signal, purpose: `machine create ${name}`, notify: (line) => progress.note('reserve', line) },
    ),
  );

  let phase = 'reserve';
  const step = async <T>(stepName: string, work: () => Promise<T>): Promise<T> => {
    // An interrupt noticed between steps belongs to the step that ended, not to the one never started.
    throwIfCreateInterrupted(request.signal);
    phase = stepName;
    // Written before the work: a create killed outright (SIGKILL) leaves a record that says how far it got.
    await store.update(name, (r) => (r.createPhase = stepName));
    return progress.phase(stepName, work);
  };

  try {
    if (request.engineRepoKeyFile) {
      const keyFile = request.engineRepoKeyFile;
      await step('engine repository key', () => copyRepoKey(app, name, keyFile));
    }
    if (request.driver.generatesSshKey(request.driverConfig)) {
      sshPublicKey = await step('ssh key', async () => {
        const { publicKey, privateKeyPath } = await generateMachineKeyPair(layout.machineFile(name, 'id_ed25519'));
        await store.update(name, (r) => (r.driverState = { ...r.driverState, sshKeyPath: layout.relative(privateKeyPath) }));
        return publicKey;
      });
    }

    const imageCache = await ImageCacheForCreate.for(app, request, progress);
    const ctx: CreateContext = {
      journal: async (resource) => {
        await store.update(name, (r) => r.resources.push(resource));
      },
      remember: async (state) => {
        await store.update(name, (r) => (r.driverState = { ...r.driverState, ...state }));
      },
      progress: (message) => progress.note('create host', message),
      signal: request.signal,
      exposeEnginePort: request.engine.transport !== 'ssh',
      ...(sshPublicKey ? { sshPublicKey } : {}),
      ...(imageCache ? { provisioningRecipe: imageCache.recipe.hash, engineBootFiles: (r) => imageCache.engineBootFiles(r) } : {}),
    };
    const created = await step('create host', () => driver.create(ctx));
    await imageCache?.created(created);
    let record = await store.update(name, (r) => {
      r.ip = created.ip;
      r.ssh = created.ssh.keyPath ? { ...created.ssh, keyPath: pathForRecord(layout, r, created.ssh.keyPath) } : created.ssh;
      if (created.dockerEndpoint) r.dockerEndpoint = created.dockerEndpoint;
    });

    await step('wait for running', () => waitForState(driver, 'Running', request.timeouts?.runningMs ?? 300_000, request.signal, driver.statePollIntervalMs, app.clock));

    const expectedFingerprints = await step('host key', () => announcedHostKeys(driver, request.signal, (m) => progress.note('host key', m)));
    const session = await step('wait for ssh', () =>
      app.ssh.waitFor({ ...sshOptionsFor(app, record, 'trust-on-first-use'), ...(expectedFingerprints.length > 0 ? { expectedFingerprints } : {}) }, {
        timeoutMs: request.timeouts?.sshMs ?? 300_000,
        intervalMs: 1_000,
        signal: request.signal,
        // A key we generated reaches the host through cloud-init, which may still be at work.
        authGraceMs: sshPublicKey ? 180_000 : 0,
        clock: app.clock,
      }),
    );
    // Provisioning takes no signal: on Ctrl-C its connection is closed, which ends the command it runs.
    const closeOnAbort = () => void session.close().catch(() => undefined);
    request.signal.addEventListener('abort', closeOnAbort, { once: true });
    try {
      await step('provision', () => provisionMachine(app, record, session, progress, { reuseServerCert: imageCache?.serverCertificateIssued ?? false, extraAddresses: created.addresses ?? [], ...imageCache?.provisionOptions() }));
    } finally {
      request.signal.removeEventListener('abort', closeOnAbort);
      await session.close();
    }
    await imageCache?.afterProvision(driver, await store.load(name), ctx, step, created.addresses ?? []);

    const dockerVersion = await step('engine ready', () => waitForEngineReady(app, record, request.timeouts?.engineMs ?? 60_000, request.signal));
    await imageCache?.ready();
    record = await store.update(name, (r) => {
      r.status = 'ready';
      delete r.error;
      delete r.creator;
      delete r.createPhase;
    });
    await refreshMachineContext(app, record, progress);
    await refreshSshClientConfig(app, record, progress);
    return { record, dockerVersion, timings: progress.timings };
  } catch (caught) {
    // An interrupted wait did not fail: the host's console has nothing to say about the user's Ctrl-C.
    const err = request.signal.aborted ? caught : await withDiagnosis(caught, phase, driver);
    await recordFailure(app, name, phase, err);
    if (!request.keepOnFailure) await rollback(app, name, progress);
    // Interrupted, whatever the step it cut short made of it: the exit code says so (130, or 143 for SIGTERM).
    throw request.signal.aborted ? createInterrupted(request.signal, err) : err;
  }
}

/** The host keys the driver learned out of band, with a word to the user either way. */
async function announcedHostKeys(driver: Driver, signal: AbortSignal, note: (message: string) => void): Promise<string[]> {
  if (!driver.hostKeyFingerprints) return [];
  note('reading the host key fingerprints from the console');
  const fingerprints = await driver.hostKeyFingerprints(signal);
  note(
    fingerprints.length > 0
      ? `the host must present one of ${fingerprints.join(', ')}`
      : 'no host key fingerprints on the console in time: trusting the key the host presents first, and pinning it',
  );
  return fingerprints;
}

/** A host that never answered: the driver may know why (a silent console, an accelerator that hangs). */
async function withDiagnosis(err: unknown, phase: string, driver: Driver): Promise<unknown> {
  if (!driver.diagnose || !['wait for running', 'host key', 'wait for ssh'].includes(phase)) return err;
  const diagnosis = await driver.diagnose().catch(() => undefined);
  if (!diagnosis) return err;
  const code = err instanceof MachineError ? err.code : 'HOST_NOT_READY';
  const suggestions = err instanceof MachineError ? err.suggestions : [];
  return new OperationError(code, `${errorMessage(err)}\n${diagnosis}`, suggestions, err);
}

async function loadDriver(app: MachineApp, request: CreateRequest): Promise<Driver> {
  return request.driver.open(app.driverEnvironment(request.driver, request.name, request.driverConfig, { state: {}, resources: [] }));
}

function initialRecord(request: CreateRequest): MachineRecord {
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    name: request.name,
    driver: request.driver.name,
    ...(request.driver.plugin ? { driverPlugin: { name: request.driver.plugin.name, version: request.driver.plugin.version } } : {}),
    status: 'creating',
    createdAt: new Date().toISOString(),
    driverConfig: request.driverConfig,
    driverState: {},
    resources: [],
    engine: request.engine,
    tls: request.tls,
    // Lets a later command tell a create in progress from one whose process was killed.
    creator: currentProcess(),
  };
}

async function copyRepoKey(app: MachineApp, name: string, source: string): Promise<void> {
  const target = app.layout.machineFile(name, 'engine-repo-key.asc');
  await fs.copyFile(source, target);
  await fs.chmod(target, 0o600);
  await app.store.update(name, (r) => (r.engine.repoKeyPath = app.layout.relative(target)));
}

async function recordFailure(app: MachineApp, name: string, phase: string, err: unknown): Promise<void> {
  await app.store
    .update(name, (r) => {
      r.status = 'error';
      r.error = { phase, message: errorMessage(err), at: new Date().toISOString() };
      delete r.creator;
      delete r.createPhase;
    })
    .catch(() => undefined);
}

/** Removes what the driver journaled; the record stays (state error) so the user sees what happened. */
async function rollback(app: MachineApp, name: string, progress: Progress): Promise<void> {
  const record = await app.store.load(name).catch(() => undefined);
  if (!record || record.resources.length === 0) return;
  await progress
    .phase('roll back', async () => {
      const driver = await app.driverFor(record);
      await driver.remove();
      await app.store.update(name, (r) => (r.resources = []));
    })
    .catch((err) => progress.note('roll back', `could not remove everything: ${errorMessage(err)}; \`machine rm ${name}\` retries`));
}

