import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runInSandbox, sandboxAvailable } from './sandbox';

const SCRIPT = path.join(__dirname, '../../provision-scripts/upgrade-engine.sh');
const describeReal = sandboxAvailable() ? describe : describe.skip;

/**
 * The real upgrade-engine.sh in a namespace sandbox; dpkg-query, apt-get and systemctl are small fakes
 * on PATH (a real upgrade needs a VM: test/e2e/engine-repo.e2e.test.ts). apt-get's fake applies
 * $WORK/upgrades to $WORK/installed on `install --only-upgrade`, for the packages it is given only.
 */
const FAKES: Record<string, string> = {
  'dpkg-query': `#!/bin/sh
for pkg; do :; done
v=$(awk -v p="$pkg" '$1 == p { print $2 }' "$WORK/installed")
[ -n "$v" ] && echo "install ok installed $v"`,
  'apt-get': `#!/bin/sh
echo "apt-get $*" >> "$WORK/apt.log"
case " $* " in
  *" install "*)
    for pkg; do
      new=$(awk -v p="$pkg" '$1 == p { print $2 }' "$WORK/upgrades" 2>/dev/null)
      [ -z "$new" ] || { awk -v p="$pkg" -v v="$new" '$1 == p { $2 = v } { print }' "$WORK/installed" > "$WORK/installed.new"; mv "$WORK/installed.new" "$WORK/installed"; }
    done ;;
esac
exit 0`,
  systemctl: '#!/bin/sh\necho "systemctl $*" >> "$WORK/systemctl.log"',
};

describeReal('upgrade-engine.sh', () => {
  let work: string;

  beforeEach(() => {
    work = mkdtempSync(path.join(tmpdir(), 'machine-upgrade-'));
    mkdirSync(path.join(work, 'bin'));
    for (const [name, content] of Object.entries(FAKES)) writeFileSync(path.join(work, 'bin', name), `${content}\n`, { mode: 0o755 });
    writeFileSync(path.join(work, 'installed'), 'docker.io 20.10.24-1\ncontainerd 1.6.20-1\nrunc 1.1.5-1\nca-certificates 20230311\n');
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const run = (env: Record<string, string>) =>
    runInSandbox(work, '', ['sh', SCRIPT], { PATH: `${path.join(work, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`, WORK: work, ...env });
  const read = (file: string) => {
    try {
      return readFileSync(path.join(work, file), 'utf8');
    } catch {
      return '';
    }
  };

  it('upgrades only the installed engine packages, reports each version, and restarts dockerd', () => {
    writeFileSync(path.join(work, 'upgrades'), 'docker.io 20.10.25-1\ndocker-ce 27.0.0-1\n');
    const result = run({ ENGINE_INSTALL: 'repo' });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(read('apt.log')).toMatch(/update/);
    const install = read('apt.log').split('\n').find((line) => line.includes(' install '));
    expect(install).toMatch(/install --no-install-recommends .*--only-upgrade docker\.io containerd runc$/);
    expect(result.stdout).toContain('::version docker.io 20.10.24-1 20.10.25-1');
    expect(result.stdout).toContain('::version containerd 1.6.20-1 1.6.20-1');
    expect(result.stdout).toContain('::changed packages');
    expect(read('installed')).not.toMatch(/docker-ce/);
    expect(read('systemctl.log')).toBe('systemctl daemon-reload\nsystemctl restart docker.service\n');
  });

  it('leaves dockerd running when the source offers nothing newer', () => {
    const result = run({ ENGINE_INSTALL: 'distro' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('::version docker.io 20.10.24-1 20.10.24-1');
    expect(result.stdout).not.toContain('::changed');
    expect(read('systemctl.log')).toBe('');
  });

  it('refuses an engine machine did not install, and a host without the engine', () => {
    const none = run({ ENGINE_INSTALL: 'none' });
    expect(none.status).not.toBe(0);
    expect(none.stderr).toMatch(/not installed by machine/);
    writeFileSync(path.join(work, 'installed'), 'ca-certificates 20230311\n');
    const missing = run({ ENGINE_INSTALL: 'docker' });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/none of the engine packages \(docker-ce docker-ce-cli containerd.io\) is installed/);
    expect(read('apt.log')).toBe('');
  });
});
