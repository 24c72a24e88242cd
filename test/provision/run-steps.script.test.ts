import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

const SCRIPT = path.join(__dirname, '../../provision-scripts/run-steps.sh');

/**
 * The real run-steps.sh in a staging folder of its own, beside stand-in steps that print what they
 * were given and exit as told: the order, the announcements, the stop at a failure and the removal of
 * the folder are run-steps.sh's own work.
 */
describe('run-steps.sh', () => {
  let staging: string;

  beforeEach(() => {
    staging = mkdtempSync(path.join(tmpdir(), 'machine-steps-'));
    copyFileSync(SCRIPT, path.join(staging, 'run-steps.sh'));
    for (const step of ['set-hostname', 'install-engine', 'configure-engine']) {
      const exit = `\${FAIL_${step.replace(/-/g, '_').toUpperCase()}:-0}`;
      writeFileSync(path.join(staging, `${step}.sh`), `echo "${step} ran with NAME=$NAME"\nexit ${exit}\n`);
    }
  });
  afterEach(() => rmSync(staging, { recursive: true, force: true }));

  function run(steps: string[], env: Record<string, string> = {}) {
    const result = spawnSync('sh', [path.join(staging, 'run-steps.sh'), ...steps], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NAME: 'dev1', ...env },
      timeout: SYNC_CHILD_TIMEOUT_MS,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('runs the steps in order, announcing each, then removes its own staging folder', () => {
    const result = run(['set-hostname', 'configure-engine'], { ENGINE_STAGING_DIR: staging });
    expect(result).toEqual({
      status: 0,
      stdout: '::step set-hostname\nset-hostname ran with NAME=dev1\n::step configure-engine\nconfigure-engine ran with NAME=dev1\n::staging removed\n',
      stderr: '',
    });
    expect(existsSync(staging)).toBe(false);
  });

  it('stops at the first failing step with its exit status, and leaves the folder to the runner', () => {
    const result = run(['set-hostname', 'install-engine', 'configure-engine'], { ENGINE_STAGING_DIR: staging, FAIL_INSTALL_ENGINE: '3' });
    expect(result.status).toBe(3);
    expect(result.stdout).toBe('::step set-hostname\nset-hostname ran with NAME=dev1\n::step install-engine\ninstall-engine ran with NAME=dev1\n');
    expect(existsSync(staging)).toBe(true);
  });

  it('removes no folder that is not its own', () => {
    const result = run(['set-hostname'], { ENGINE_STAGING_DIR: tmpdir() });
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain('::staging removed');
    expect(existsSync(staging)).toBe(true);
  });

  it('refuses an unknown step, or none, before running anything', () => {
    const unknown = run(['set-hostname', '../../bin/evil']);
    expect(unknown).toEqual({ status: 2, stdout: '', stderr: 'error: unknown provisioning step: ../../bin/evil\n' });
    expect(run([])).toEqual({ status: 2, stdout: '', stderr: 'error: no provisioning step named\n' });
  });
});
