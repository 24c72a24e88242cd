import { errorMessage, MachineError } from '../core/errors';
import type { EngineOptions } from '../core/machine-record';
import type { RemoteSession } from '../ssh/session';
import { validateEngineOptions } from './dockerd-config';
import { probeHost, type HostProbe } from './host-probe';
import { noSudo, sudoRefused } from './sudo';
import { detectProvisioner, parseOsRelease, type OsRelease } from './os-release';
import {
  configureEngineRun,
  installEngineRun,
  RUN_STEPS_SCRIPT,
  setHostnameRun,
  stagedFiles,
  type ProvisionInput,
  type ScriptRun,
  type StagedFile,
} from './plan';
import { shellQuote } from '../util/shell-quote';
import { rootScriptCommand } from './remote-command';
import { resolveRepositoryKey } from './repository-key';
import { readProvisionScripts } from './script-bundle';
import { LineSplitter, ScriptOutput } from './script-output';

export type { ProvisionInput } from './plan';

export interface ProvisionEvents {
  /** A step starts; elapsedMs is the time since provisioning began. Script sub-steps (apt-update...) too. */
  phase(name: string, elapsedMs: number): void;
  /** Every line the host printed, plus a header per script; the caller writes them to provision.log. */
  log(line: string): void;
}

export interface ProvisionResult {
  os: OsRelease;
  /** dockerd was (re)started on this configuration; false when re-provisioning found it all in place and running. */
  engineChanged: boolean;
  dockerdPath: string;
}

/** Lines of script output quoted in an error: enough for the journal excerpt configure-engine prints. */
const ERROR_TAIL_LINES = 30;

/**
 * Makes a Debian-family host a TLS-secured docker engine over one open SSH session: looks at the host
 * (user, sudo, a private staging folder, its addresses) while reading /etc/os-release, uploads scripts,
 * certificates and keys to the staging folder, then runs set-hostname, install-engine and
 * configure-engine as root in one shell, and removes the staging folder whatever happens. Everything
 * that can be checked locally (engine options, keys) is checked before the host is touched.
 */
export async function provisionHost(session: RemoteSession, input: ProvisionInput, events: ProvisionEvents): Promise<ProvisionResult> {
  const started = Date.now();
  const phase = (name: string): void => events.phase(name, Date.now() - started);

  validateEngineOptions(input.engine);
  const repoKey = await resolveRepositoryKey(input.engine, input.repoKeyArmored);
  const scripts = await readProvisionScripts();

  phase('probe-host');
  // Both at once: the SFTP channel that reads os-release is the one the upload needs anyway.
  const [probed, osRead] = await Promise.allSettled([probeHost(session, scripts), readOsRelease(session)]);
  if (probed.status === 'rejected') throw probed.reason;
  const probe = probed.value;
  const { stagingDir, addresses } = probe;
  let stagingRemoved = false;
  try {
    if (osRead.status === 'rejected') throw osRead.reason;
    const os = osRead.value;
    const provisioner = detectProvisioner(os);
    events.log(`os: ${os.prettyName ?? os.id} (ID=${os.id} ID_LIKE=${os.idLike.join(' ')}), provisioner ${provisioner}`);

    // Planned before uploading so a usage problem (no codename, no repo URL) stops before any change.
    const install = input.engineInImage ? undefined : installEngineRun(input.engine, os, stagingDir, repoKey);
    const configure = configureEngineRun(input, stagingDir);
    const serverTls = await input.serverTlsFor?.(addresses);

    phase('upload');
    await upload(session, stagingDir, [...stagedFiles(serverTls, scripts, repoKey), configure.dropIn]);

    const steps = [setHostnameRun(input, stagingDir), ...(install ? [install] : []), configure.run];
    const output = await new ScriptRunner(session, probe, events, phase).runSteps(`${stagingDir}/${RUN_STEPS_SCRIPT}`, steps);
    stagingRemoved = output.has('staging', 'removed');
    const dockerdPath = output.markers.filter((m) => m.name === 'dockerd').at(-1)?.value;
    if (!dockerdPath) throw stepFailed('configure-engine', 'the scripts did not report where dockerd is', output.tail());
    return { os, engineChanged: output.has('engine', 'restarted') || output.has('engine', 'started'), dockerdPath };
  } catch (err) {
    throw err instanceof MachineError ? err : stepFailed('provision', errorMessage(err), [], err);
  } finally {
    if (!stagingRemoved) await removeStagingDir(session, stagingDir, events);
  }
}

export interface PackageVersionChange {
  package: string;
  before: string;
  after: string;
}

/**
 * `machine upgrade`: runs upgrade-engine.sh as root over the open session, against the apt source
 * create configured. Returns each engine package's version before and after; dockerd was restarted
 * when any of them moved.
 */
export async function upgradeEngineOnHost(session: RemoteSession, install: EngineOptions['install'], events: ProvisionEvents): Promise<PackageVersionChange[]> {
  const output = await runOneScript(session, events, 'upgrade', { step: 'upgrade-engine', script: 'upgrade-engine.sh', env: { ENGINE_INSTALL: install } });
  return output.markers
    .filter((m) => m.name === 'version')
    .map((m) => {
      const [pkg, before = '', after = ''] = m.value.split(' ');
      return { package: pkg, before, after };
    });
}

/**
 * Runs seal-image.sh as root over the open session: the provisioned host loses everything that is its
 * own (keys, ids, certificates, logs), so that its disk, after a clean shutdown, can serve as a
 * provisioned image. The host is left running; the caller shuts it down. Answers where dockerd is, which
 * the machines made from the image then need not ask (they skip install-engine).
 */
export async function sealHostForImage(session: RemoteSession, events: ProvisionEvents): Promise<{ dockerdPath: string }> {
  const sealed = await runOneScript(session, events, 'seal-image', { step: 'seal-image', script: 'seal-image.sh', env: {} });
  const dockerdPath = sealed.marker('dockerd')?.value;
  if (!dockerdPath) throw stepFailed('seal-image', 'the script did not report where dockerd is', sealed.tail());
  return { dockerdPath };
}

/**
 * One provisioning script as root, outside a full provision: sudo checked, the scripts uploaded to a
 * staging folder (removed afterwards whatever happens), the script's output parsed. `script` is its
 * name inside provision-scripts/; a failure that is not already a MachineError is named after `what`.
 */
async function runOneScript(session: RemoteSession, events: ProvisionEvents, what: string, run: ScriptRun): Promise<ScriptOutput> {
  const started = Date.now();
  const phase = (name: string): void => events.phase(name, Date.now() - started);
  const scripts = await readProvisionScripts();
  phase('probe-host');
  const probe = await probeHost(session, scripts);
  const { stagingDir } = probe;
  try {
    phase('upload');
    await upload(session, stagingDir, scripts.map((s) => ({ relativePath: s.relativePath, content: s.content, mode: 0o644 })));
    return await new ScriptRunner(session, probe, events, phase).run({ ...run, script: `${stagingDir}/${run.script}` });
  } catch (err) {
    throw err instanceof MachineError ? err : stepFailed(what, errorMessage(err), [], err);
  } finally {
    await removeStagingDir(session, stagingDir, events);
  }
}

async function readOsRelease(session: RemoteSession): Promise<OsRelease> {
  for (const file of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      return parseOsRelease((await session.readFile(file)).toString('utf8'));
    } catch {
      // os-release(5): fall back to /usr/lib/os-release when /etc/os-release is missing
    }
  }
  throw new MachineError('cannot read /etc/os-release on the host, so its OS is unknown', { code: 'UNSUPPORTED_OS' });
}

/** All at once: SFTP takes concurrent requests on one channel, and each file is several round trips. */
async function upload(session: RemoteSession, stagingDir: string, files: StagedFile[]): Promise<void> {
  await Promise.all(files.map((file) => session.writeFile(`${stagingDir}/${file.relativePath}`, file.content, file.mode)));
}

/** Best effort: a failed cleanup must not hide the real error, but it is logged. */
async function removeStagingDir(session: RemoteSession, stagingDir: string, events: ProvisionEvents): Promise<void> {
  try {
    const removed = await session.exec(`rm -rf -- ${shellQuote(stagingDir)}`);
    if (removed.code !== 0) events.log(`warning: could not remove ${stagingDir}: ${removed.stderr.trim()}`);
  } catch (err) {
    events.log(`warning: could not remove ${stagingDir}: ${errorMessage(err)}`);
  }
}

/** Runs scripts as root over the session, streaming their output and turning failures into errors. */
class ScriptRunner {
  constructor(
    private readonly session: RemoteSession,
    private readonly sshUser: Pick<HostProbe, 'userIsRoot' | 'user'>,
    private readonly events: ProvisionEvents,
    private readonly phase: (name: string) => void,
  ) {}

  /** One script as root. */
  async run(run: ScriptRun): Promise<ScriptOutput> {
    this.phase(run.step);
    return this.execute(run.step, run.step, rootScriptCommand(run.script, run.env, this.sshUser.userIsRoot));
  }

  /**
   * Several scripts in one root shell (run-steps.sh, which must sit beside them): one sudo and one
   * channel instead of one each. Their environments are merged; each step is announced with ::step,
   * which names the phase and the step a failure is blamed on.
   */
  async runSteps(runStepsScript: string, steps: ScriptRun[]): Promise<ScriptOutput> {
    const folder = runStepsScript.slice(0, runStepsScript.lastIndexOf('/'));
    for (const step of steps) {
      if (step.script !== `${folder}/${step.step}.sh`) throw new Error(`internal: step ${step.step} is not ${folder}/${step.step}.sh`);
    }
    const command = rootScriptCommand(runStepsScript, mergedEnvironment(steps), this.sshUser.userIsRoot, steps.map((s) => s.step));
    return this.execute('provision', steps[0]?.step ?? 'provision', command);
  }

  private async execute(title: string, firstStep: string, command: string): Promise<ScriptOutput> {
    this.events.log(`--- ${title}: ${command}`);
    let step = firstStep;
    const output = new ScriptOutput(
      (line) => this.events.log(line),
      (marker) => {
        if (marker.value === '') return;
        if (marker.name === 'step') step = marker.value;
        if (marker.name === 'phase' || marker.name === 'step') this.phase(marker.value);
      },
      ERROR_TAIL_LINES,
    );
    // Counted apart too: a root command that printed nothing on stdout never reached its script.
    let stdoutLines = 0;
    const stderrLines: string[] = [];
    const stdout = new LineSplitter((line) => {
      stdoutLines++;
      output.line(line);
    });
    const stderr = new LineSplitter((line) => {
      if (stderrLines.length < ERROR_TAIL_LINES) stderrLines.push(line);
      output.line(line);
    });
    let streamed = false;
    let result;
    try {
      result = await this.session.exec(command, {
        onStdout: (chunk) => {
          streamed = true;
          stdout.push(chunk);
        },
        onStderr: (chunk) => {
          streamed = true;
          stderr.push(chunk);
        },
      });
    } catch (err) {
      throw stepFailed(step, errorMessage(err), output.tail(), err);
    } finally {
      stdout.end();
      stderr.end();
    }
    // A session that does not stream still returns the output; use it then.
    if (!streamed) {
      for (const [text, splitter] of [
        [result.stdout, stdout],
        [result.stderr, stderr],
      ] as const) {
        splitter.push(Buffer.from(text, 'utf8'));
        splitter.end();
      }
    }
    if (result.code !== 0 && !this.sshUser.userIsRoot && sudoRefused(stdoutLines, stderrLines)) {
      throw noSudo(this.sshUser.user, stderrLines.join(' ').trim());
    }
    if (result.code !== 0) {
      const reason = lastErrorLine(output.tail()) ?? `exit status ${result.code}`;
      throw stepFailed(step, reason, output.tail());
    }
    return output;
  }
}

/** The steps' variables, which never overlap except for one shared value (the staging folder). */
function mergedEnvironment(steps: ScriptRun[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { step, env: own } of steps) {
    for (const [name, value] of Object.entries(own)) {
      if (name in env && env[name] !== value) throw new Error(`internal: step ${step} sets ${name} differently from an earlier step`);
      env[name] = value;
    }
  }
  return env;
}

function lastErrorLine(lines: string[]): string | undefined {
  const line = [...lines].reverse().find((l) => l.startsWith('error: '));
  return line?.slice('error: '.length);
}

function stepFailed(step: string, reason: string, tail: string[], cause?: unknown): MachineError {
  const excerpt = tail.length > 0 ? `\n--- last ${tail.length} lines of output ---\n${tail.join('\n')}` : '';
  return new MachineError(`provisioning failed at ${step}: ${reason}${excerpt}`, {
    code: 'PROVISION_FAILED',
    suggestions: ['the full output is in the machine folder: provision.log', 'fix the cause and run `machine provision NAME` again: it is safe to repeat'],
    cause,
  });
}
