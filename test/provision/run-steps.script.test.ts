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

  it('runs the steps, announcing each, set-hostname beside the others, then removes its own staging folder', () => {
    const result = run(['set-hostname', 'install-engine', 'configure-engine'], { ENGINE_STAGING_DIR: staging });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    const lines = result.stdout.trimEnd().split('\n');
    // The engine steps in order, each after its announcement; set-hostname's line may fall anywhere after its own.
    const at = (line: string) => lines.indexOf(line);
    expect(at('::step set-hostname')).toBe(0);
    expect(at('set-hostname ran with NAME=dev1')).toBeGreaterThan(0);
    expect(at('::step install-engine')).toBeLessThan(at('install-engine ran with NAME=dev1'));
    expect(at('install-engine ran with NAME=dev1')).toBeLessThan(at('::step configure-engine'));
    expect(at('::step configure-engine')).toBeLessThan(at('configure-engine ran with NAME=dev1'));
    expect(lines.at(-1)).toBe('::staging removed');
    expect(lines).toHaveLength(7);
    expect(existsSync(staging)).toBe(false);
  });

  it('stops at the first failing step with its exit status, names it last, and leaves the folder to the runner', () => {
    const result = run(['set-hostname', 'install-engine', 'configure-engine'], { ENGINE_STAGING_DIR: staging, FAIL_INSTALL_ENGINE: '3' });
    expect(result.status).toBe(3);
    const steps = result.stdout.split('\n').filter((line) => line.startsWith('::step '));
    expect(steps).toEqual(['::step set-hostname', '::step install-engine']);
    expect(result.stdout).not.toContain('configure-engine ran');
    expect(existsSync(staging)).toBe(true);
  });

  it('waits for set-hostname, and blames it when it is the step that failed', () => {
    const result = run(['set-hostname', 'install-engine', 'configure-engine'], { ENGINE_STAGING_DIR: staging, FAIL_SET_HOSTNAME: '4' });
    expect(result.status).toBe(4);
    expect(result.stdout).toContain('configure-engine ran with NAME=dev1');
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('::step set-hostname');
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
