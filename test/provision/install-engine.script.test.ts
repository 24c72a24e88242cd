import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describeWhen } from '../helpers/prerequisite';
import { HIDE_HOST_DOCKERD, SANDBOX_NEEDS, runInSandbox, sandboxAvailable } from './sandbox';

const SCRIPT = path.join(__dirname, '../../provision-scripts/install-engine.sh');
const DOCKER_KEY = path.join(__dirname, '../../keys/docker-apt.asc');
const describeReal = describeWhen(sandboxAvailable(), SANDBOX_NEEDS);

/**
 * The real install-engine.sh in a namespace sandbox, with apt, dpkg-query and dockerd stood in for by
 * small fakes on PATH (a real install needs a VM: the lead's e2e tests). What runs for real: the
 * decisions (skip when installed, version prefix resolution), the repository files, the error texts.
 */
const FAKES: Record<string, string> = {
  'dpkg-query': `#!/bin/sh
case "$2" in
  *Status-Abbrev*)
    shift 2
    for pkg; do
      awk -v p="$pkg" '$1 == p { found = 1 } END { exit !found }' "$WORK/installed" && printf 'ii %s ' "$pkg"
    done
    exit 0 ;;
esac
for pkg; do :; done
v=$(awk -v p="$pkg" '$1 == p { print $2 }' "$WORK/installed")
[ -n "$v" ] && echo "install ok installed $v"`,
  'apt-get': `#!/bin/sh
echo "apt-get $*" >> "$WORK/apt.log"
case " $* " in
  *" update"*) [ ! -f "$WORK/update-output" ] || { cat "$WORK/update-output"; exit 100; } ;;
esac
exit 0`,
  'apt-cache': `#!/bin/sh
[ "$1" = madison ] && cat "$WORK/madison-$2" 2>/dev/null
exit 0`,
  dockerd: '#!/bin/sh\necho "Docker version 27.3.1, build test"',
};

describeReal('install-engine.sh', () => {
  let work: string;

  beforeEach(() => {
    work = mkdtempSync(path.join(tmpdir(), 'machine-install-'));
    mkdirSync(path.join(work, 'bin'));
    for (const [name, content] of Object.entries(FAKES)) writeFileSync(path.join(work, 'bin', name), `${content}\n`, { mode: 0o755 });
    writeFileSync(path.join(work, 'installed'), 'ca-certificates 20230311\napparmor 3.0.8-3\n');
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  function run(env: Record<string, string>, after = '') {
    return runInSandbox(work, '', ['sh', '-c', `sh "$SCRIPT"; status=$?; ${after} exit $status`], {
      PATH: `${path.join(work, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      WORK: work,
      SCRIPT,
      ...env,
    });
  }

  const dockerEnv = {
    ENGINE_INSTALL: 'docker',
    ENGINE_REPO_URL: 'https://download.docker.com/linux/debian',
    ENGINE_REPO_SUITE: 'bookworm',
    ENGINE_REPO_COMPONENT: 'stable',
    ENGINE_REPO_KEY_FILE: DOCKER_KEY,
    ENGINE_REPO_KEY_FINGERPRINT: '9DC858229FC7DD38854AE2D88D81803C0EBFCD88',
    OS_ID: 'debian',
    OS_CODENAME: 'bookworm',
  };

  it("writes Docker's repository as deb822 with Signed-By, and pins a version prefix from madison", () => {
    writeFileSync(
      path.join(work, 'madison-docker-ce'),
      ' docker-ce | 5:27.30.0-1~debian.12~bookworm | https://download.docker.com/linux/debian bookworm/stable amd64 Packages\n' +
        ' docker-ce | 5:27.3.1-1~debian.12~bookworm | https://download.docker.com/linux/debian bookworm/stable amd64 Packages\n' +
        ' docker-ce | 5:27.3.0-1~debian.12~bookworm | https://download.docker.com/linux/debian bookworm/stable amd64 Packages\n',
    );
    writeFileSync(path.join(work, 'madison-docker-ce-cli'), ' docker-ce-cli | 5:27.3.1-1~debian.12~bookworm | https://download.docker.com/linux/debian bookworm/stable amd64 Packages\n');
    const result = run(
      { ...dockerEnv, ENGINE_VERSION: '27.3', ENGINE_STAGING_DIR: work },
      'cat /etc/apt/sources.list.d/machine-docker.sources; cmp /etc/apt/keyrings/machine-docker.asc "$ENGINE_REPO_KEY_FILE" && echo key-ok;',
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      'Types: deb\nURIs: https://download.docker.com/linux/debian\nSuites: bookworm\nComponents: stable\nSigned-By: /etc/apt/keyrings/machine-docker.asc\nkey-ok',
    );
    expect(result.stdout).toContain('::changed packages\nengine: Docker version 27.3.1, build test\n::dockerd ');
    // configure-engine.sh, next in the same staging folder, restarts dockerd because of it.
    expect(existsSync(path.join(work, 'packages-changed'))).toBe(true);
    const apt = readFileSync(path.join(work, 'apt.log'), 'utf8');
    expect(apt).toMatch(/apt-get .*update/);
    expect(apt).toMatch(/install --no-install-recommends .* docker-ce=5:27\.3\.1-1~debian\.12~bookworm docker-ce-cli=5:27\.3\.1-1~debian\.12~bookworm containerd\.io/);
  });

  it('does nothing, not even apt-get update, when the engine is installed at the requested version', () => {
    writeFileSync(path.join(work, 'installed'), 'ca-certificates 1\napparmor 1\ndocker.io 20.10.24+dfsg1-1+b3\n');
    const result = run({ ENGINE_INSTALL: 'distro', ENGINE_VERSION: '20.10', ENGINE_STAGING_DIR: work });
    expect(result.status).toBe(0);
    expect(existsSync(path.join(work, 'packages-changed'))).toBe(false);
    expect(result.stdout).toContain('engine: docker.io 20.10.24+dfsg1-1+b3 already installed; nothing to do');
    expect(result.stdout).not.toContain('::changed');
    expect(() => readFileSync(path.join(work, 'apt.log'))).toThrow();
  });

  it('names the expected key when apt says the repository is not signed by it', () => {
    writeFileSync(
      path.join(work, 'update-output'),
      'Get:1 https://repo.example/docker bookworm InRelease\n' +
        'W: GPG error: https://repo.example/docker bookworm InRelease: The following signatures couldn\'t be verified because the public key is not available: NO_PUBKEY 1234567890ABCDEF\n' +
        "E: The repository 'https://repo.example/docker bookworm InRelease' is not signed.\n",
    );
    const result = run({ ...dockerEnv, ENGINE_INSTALL: 'repo', ENGINE_REPO_URL: 'https://repo.example/docker/', ENGINE_REPO_KEY_FINGERPRINT: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n').at(-1)).toBe(
      'error: the repository at https://repo.example/docker is not signed by the key with fingerprint ABCDEF0123456789ABCDEF0123456789ABCDEF01 (from --engine-repo-key): ' +
        "W: GPG error: https://repo.example/docker bookworm InRelease: The following signatures couldn't be verified because the public key is not available: NO_PUBKEY 1234567890ABCDEF",
    );
  });

  it('with none, requires an existing dockerd', () => {
    rmSync(path.join(work, 'bin/dockerd'));
    const result = runInSandbox(work, HIDE_HOST_DOCKERD, ['sh', SCRIPT], { PATH: `${path.join(work, 'bin')}:/usr/bin:/bin`, WORK: work, ENGINE_INSTALL: 'none' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('error: --engine-install none, but there is no dockerd on this host');
  });

  it('with none, installs the support packages that are missing, and only those', () => {
    // An AppArmor kernel, whatever this machine runs: the sandbox's own /sys/module says so.
    const appArmorKernel = 'mount -t tmpfs tmpfs /sys/module && mkdir -p /sys/module/apparmor/parameters && echo Y > /sys/module/apparmor/parameters/enabled';
    const env = { PATH: `${path.join(work, 'bin')}:/usr/bin:/bin`, WORK: work, ENGINE_INSTALL: 'none', ENGINE_STAGING_DIR: work };
    writeFileSync(path.join(work, 'installed'), 'ca-certificates 20230311\n');
    const missing = runInSandbox(work, appArmorKernel, ['sh', SCRIPT], env);
    expect({ status: missing.status, stderr: missing.stderr }).toEqual({ status: 0, stderr: '' });
    expect(missing.stdout).toContain('installing: apparmor\n');
    expect(readFileSync(path.join(work, 'apt.log'), 'utf8')).toMatch(/install --no-install-recommends .* apparmor\n/);
    expect(existsSync(path.join(work, 'packages-changed'))).toBe(true);

    rmSync(path.join(work, 'apt.log'));
    rmSync(path.join(work, 'packages-changed'));
    writeFileSync(path.join(work, 'installed'), 'ca-certificates 20230311\napparmor 3.0.8-3\n');
    const ready = runInSandbox(work, appArmorKernel, ['sh', SCRIPT], env);
    expect({ status: ready.status, stderr: ready.stderr }).toEqual({ status: 0, stderr: '' });
    expect(ready.stdout).toContain('engine: using the engine already installed');
    expect(existsSync(path.join(work, 'apt.log'))).toBe(false);
    expect(existsSync(path.join(work, 'packages-changed'))).toBe(false);
  });

  it('rejects an unknown install source', () => {
    const result = run({ ENGINE_INSTALL: 'curl-pipe-sh' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("error: ENGINE_INSTALL must be docker, distro, repo or none, not 'curl-pipe-sh'\n");
  });
});
