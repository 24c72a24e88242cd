import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DOCKERD_ON_HOST, renderDockerdDropIn } from '../../src/provision/dockerd-config';
import { ENGINE_HOST_FILES } from '../../src/provision/plan';
import { describeWhen } from '../helpers/prerequisite';
import { HIDE_HOST_DOCKERD, SANDBOX_NEEDS, runInSandbox, sandboxAvailable } from './sandbox';

const SCRIPT = path.join(__dirname, '../../provision-scripts/configure-engine.sh');
const describeReal = describeWhen(sandboxAvailable(), SANDBOX_NEEDS);

/**
 * The real configure-engine.sh in a namespace sandbox. Only systemd and dockerd are stood in for: a
 * `systemctl` on PATH whose `restart` starts a TCP listener on the port, and a `dockerd` that is only
 * ever looked up, so the script's change detection, file modes, daemon.json check and port wait all run
 * for real. dockerd itself runs in the VM tests.
 */
const FAKE_SYSTEMCTL = `#!/bin/sh
echo "systemctl $*" >> "$WORK/systemctl.log"
case "$1" in
  daemon-reload|reset-failed|enable) exit 0 ;;
  show)
    active=inactive
    if [ -f "$WORK/listener.pid" ] && kill -0 "$(cat "$WORK/listener.pid")" 2>/dev/null; then active=active; fi
    printf 'LoadState=%s\\nActiveState=%s\\nUnitFileState=%s\\nNeedDaemonReload=no\\n' "\${LOAD_STATE:-loaded}" "$active" "\${UNIT_FILE_STATE:-enabled}" ;;
  is-active) [ -f "$WORK/listener.pid" ] && kill -0 "$(cat "$WORK/listener.pid")" 2>/dev/null ;;
  is-failed) exit 1 ;;
  start|restart)
    [ -z "\${FAIL_RESTART:-}" ] || exit 1
    [ -z "\${NEVER_LISTENS:-}" ] || exit 0
    if [ "$1" = start ] && [ -f "$WORK/listener.pid" ] && kill -0 "$(cat "$WORK/listener.pid")" 2>/dev/null; then exit 0; fi
    [ ! -f "$WORK/listener.pid" ] || kill "$(cat "$WORK/listener.pid")" 2>/dev/null || true
    if [ "\${ENGINE_TRANSPORT:-tls}" = ssh ]; then
      node -e "require('net').createServer().listen('/var/run/docker.sock')" >/dev/null 2>&1 &
    else
      node -e "require('net').createServer().listen(Number(process.env.ENGINE_PORT), '0.0.0.0')" >/dev/null 2>&1 &
    fi
    echo $! > "$WORK/listener.pid" ;;
  *) exit 0 ;;
esac
`;

describeReal('configure-engine.sh', () => {
  let work: string;
  let staging: string;

  beforeEach(() => {
    work = mkdtempSync(path.join(tmpdir(), 'machine-configure-'));
    staging = path.join(work, 'staging');
    mkdirSync(path.join(work, 'bin'));
    mkdirSync(staging);
    writeFileSync(path.join(work, 'bin/systemctl'), FAKE_SYSTEMCTL, { mode: 0o755 });
    writeFileSync(path.join(work, 'bin/dockerd'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    writeFileSync(path.join(work, 'bin/journalctl'), '#!/bin/sh\necho "dockerd[42]: fake journal line"\n', { mode: 0o755 });
    writeFileSync(path.join(staging, 'ca.pem'), 'CA\n');
    writeFileSync(path.join(staging, 'server.pem'), 'SERVER\n');
    writeFileSync(path.join(staging, 'server-key.pem'), 'KEY\n');
    const engine = { install: 'none' as const, port: 2376, labels: ['a=b'], opts: ['log-driver=none'], env: [], insecureRegistries: [], registryMirrors: [] };
    writeFileSync(path.join(staging, '10-machine.conf'), renderDockerdDropIn({ engine, driverName: 'generic', dockerdPath: '/usr/sbin/dockerd' }));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  function run(steps: string, env: Record<string, string> = {}, extraSetup = 'true') {
    // /etc is an overlay of this machine's: a docker.io or dockerd of its own (the fleet tests run one)
    // leaves a docker group and /etc/docker/key.json there, which a fresh host has not.
    const setup = 'mkdir -p /run/systemd/system && rm -rf /etc/docker && { groupdel docker 2>/dev/null || true; }';
    const body = `${steps}; status=$?; [ ! -f "$WORK/listener.pid" ] || kill "$(cat "$WORK/listener.pid")" 2>/dev/null; exit $status`;
    return runInSandbox(work, `${setup} && ${extraSetup}`, ['sh', '-c', body], {
      PATH: `${path.join(work, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      WORK: work,
      SCRIPT,
      ENGINE_PORT: '2376',
      ENGINE_STAGING_DIR: staging,
      ENGINE_WAIT_SECONDS: '20',
      ...env,
    });
  }

  it('installs certificates and drop-in, restarts once, then leaves dockerd alone', () => {
    const result = run(
      [
        'sh "$SCRIPT"',
        'echo "=== second"',
        'sh "$SCRIPT"',
        'echo "=== modes $(stat -c %a /etc/docker/server-key.pem) $(stat -c %a /etc/docker/ca.pem) $(stat -c %a /etc/systemd/system/docker.service.d/10-machine.conf)"',
        'echo "=== rotated"',
        'echo SERVER2 > "$ENGINE_STAGING_DIR/server.pem"',
        'sh "$SCRIPT"',
        'cat /etc/docker/server.pem',
      ].join(' && '),
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const [first, second, rotated] = result.stdout.split(/=== (?:second|rotated)\n/);
    expect(first).toContain('updated /etc/docker/server-key.pem');
    expect(first).toContain('::engine restarted');
    expect(first).toContain('engine: listening on tcp port 2376 with TLS');
    expect(second).toContain('engine: unchanged\n::engine unchanged');
    expect(second).not.toContain('updated');
    expect(second).toContain('=== modes 600 644 644');
    expect(rotated).toBe(
      `updated /etc/docker/server.pem\n::dockerd ${work}/bin/dockerd\n::phase restart-engine\nengine: restarted\n::engine restarted\nengine: listening on tcp port 2376 with TLS\nSERVER2\n`,
    );
  });

  it('with the ssh transport installs no certificate, opens no port and waits for the socket', () => {
    const engine = { install: 'none' as const, port: 2376, transport: 'ssh' as const, labels: [], opts: [], env: [], insecureRegistries: [], registryMirrors: [] };
    writeFileSync(path.join(staging, '10-machine.conf'), renderDockerdDropIn({ engine, driverName: 'generic', dockerdPath: '/usr/sbin/dockerd' }));
    for (const file of ['ca.pem', 'server.pem', 'server-key.pem']) rmSync(path.join(staging, file));
    const result = run('sh "$SCRIPT" && echo "=== certs $(ls /etc/docker)" && echo "=== listening $(cat /proc/net/tcp | awk \'$4 == "0A"\' | wc -l)"', {
      ENGINE_TRANSPORT: 'ssh',
      ENGINE_PORT: '',
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toContain('engine: listening on /var/run/docker.sock only (reached through SSH)');
    expect(result.stdout).toContain('=== certs \n');
    expect(result.stdout).toContain('=== listening 0\n');
  });

  it('starts, not restarts, a dockerd that is down when its files are already in place (configured at boot)', () => {
    const result = run(
      [
        'sh "$SCRIPT" >/dev/null',
        'kill "$(cat "$WORK/listener.pid")" && rm "$WORK/listener.pid"',
        ': > "$WORK/systemctl.log"',
        'sh "$SCRIPT"',
        'echo "=== calls $(grep -Eo "systemctl (start|restart) docker.service" "$WORK/systemctl.log" | tr "\\n" ,)"',
      ].join(' && '),
    );
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toContain('::phase start-engine\nengine: started\n::engine started\nengine: listening on tcp port 2376 with TLS\n');
    expect(result.stdout).toContain('=== calls systemctl start docker.service,\n');
  });

  it('installs each staged file where ENGINE_HOST_FILES says (what a provisioned image\'s seed writes at boot)', () => {
    const paths = [ENGINE_HOST_FILES.caCert, ENGINE_HOST_FILES.serverCert, ENGINE_HOST_FILES.serverKey, ENGINE_HOST_FILES.dropIn];
    const result = run(`sh "$SCRIPT" >/dev/null && for f in ${paths.join(' ')}; do echo "=== $f"; cat "$f"; done`);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    const staged = ['ca.pem', 'server.pem', 'server-key.pem', '10-machine.conf'].map((f) => readFileSync(path.join(staging, f), 'utf8'));
    expect(result.stdout).toBe(paths.map((p, i) => `=== ${p}\n${staged[i]}`).join(''));
  });

  it('restarts when install-engine left packages-changed in the staging folder, even if no file changed', () => {
    const result = run('sh "$SCRIPT" >/dev/null && : > "$ENGINE_STAGING_DIR/packages-changed" && sh "$SCRIPT"');
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toContain('::engine restarted');
  });

  it('puts the dockerd it finds where the drop-in names @DOCKERD@, and compares the result', () => {
    const engine = { install: 'none' as const, port: 2376, labels: [], opts: [], env: [], insecureRegistries: [], registryMirrors: [] };
    writeFileSync(path.join(staging, '10-machine.conf'), renderDockerdDropIn({ engine, driverName: 'generic', dockerdPath: DOCKERD_ON_HOST }));
    const result = run(`sh "$SCRIPT" && echo "=== again" && sh "$SCRIPT" && echo "=== installed" && cat ${ENGINE_HOST_FILES.dropIn}`);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    const [first, again, installed] = result.stdout.split(/=== (?:again|installed)\n/);
    expect(first).toContain(`::dockerd ${work}/bin/dockerd\n`);
    expect(again).toContain('::engine unchanged');
    expect(installed).toContain(`ExecStart=${work}/bin/dockerd -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2376 --tlsverify`);
    expect(installed).not.toContain('@DOCKERD@');
  });

  it('fails, changing nothing, on a host with no dockerd on PATH', () => {
    const result = run('rm "$WORK/bin/dockerd" && PATH="$WORK/bin:/usr/bin:/bin" sh "$SCRIPT"; status=$?; ls /etc/docker 2>/dev/null; exit $status', {}, HIDE_HOST_DOCKERD);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("error: there is no dockerd on this host's PATH\n");
    expect(result.stdout).toBe('');
  });

  it('asks systemd to reload only when the drop-in changed, and enables dockerd only when it is not', () => {
    const calls = (marker: string) => `echo "=== ${marker} $(grep -Eo "systemctl (daemon-reload|enable|reset-failed)" "$WORK/systemctl.log" | tr "\\n" ,)"; : > "$WORK/systemctl.log"`;
    const result = run(
      [
        'sh "$SCRIPT" >/dev/null',
        calls('first'),
        'echo SERVER2 > "$ENGINE_STAGING_DIR/server.pem"',
        'sh "$SCRIPT" >/dev/null',
        calls('certificate'),
        'UNIT_FILE_STATE=disabled sh "$SCRIPT" >/dev/null',
        calls('disabled'),
      ].join(' && '),
    );
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    // The first run finds dockerd down (no listener yet), so its failed-start budget is reset.
    expect(result.stdout).toBe('=== first systemctl daemon-reload,systemctl reset-failed,\n=== certificate \n=== disabled systemctl enable,\n');
  });

  it('refuses a masked docker.service and a host without one', () => {
    const masked = run('sh "$SCRIPT"', { LOAD_STATE: 'masked' });
    expect(masked.status).toBe(1);
    expect(masked.stderr).toMatch(/^error: docker.service is masked on this host; unmask it/);
    const missing = run('sh "$SCRIPT"', { LOAD_STATE: 'not-found' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^error: there is no docker.service unit on this host/);
  });

  it('refuses a daemon.json that sets hosts or a flag we pass, and names the keys', () => {
    const result = run(`mkdir -p /etc/docker && printf '{\\n  "hosts": ["fd://"],\\n  "log-driver": "json-file"\\n}\\n' > /etc/docker/daemon.json && sh "$SCRIPT"`);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: \/etc\/docker\/daemon.json sets hosts log-driver, which machine passes to dockerd as flags/);
  });

  it('takes a label that reads like a flag for a label: a daemon.json setting debug is no conflict', () => {
    const engine = { install: 'none' as const, port: 2376, labels: ['note=a --debug=1'], opts: [], env: [], insecureRegistries: [], registryMirrors: [] };
    writeFileSync(path.join(staging, '10-machine.conf'), renderDockerdDropIn({ engine, driverName: 'generic', dockerdPath: '/usr/sbin/dockerd' }));
    const result = run(`mkdir -p /etc/docker && printf '{ "debug": true }\\n' > /etc/docker/daemon.json && sh "$SCRIPT"`);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    const withOption = run(`mkdir -p /etc/docker && printf '{ "debug": true }\\n' > /etc/docker/daemon.json && sed -i 's/--label provider=generic/--label provider=generic --debug/' "$ENGINE_STAGING_DIR/10-machine.conf" && sh "$SCRIPT"`);
    expect(withOption.status).toBe(1);
    expect(withOption.stderr).toMatch(/daemon.json sets debug, which machine passes to dockerd as flags/);
  });

  it('gives up on a dockerd that never listens after ENGINE_WAIT_SECONDS, with the journal', () => {
    const result = run('sh "$SCRIPT"; status=$?; echo "=== looks $(grep -c "systemctl is-failed" "$WORK/systemctl.log")"; exit $status', {
      NEVER_LISTENS: '1',
      ENGINE_WAIT_SECONDS: '1',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('--- journalctl -u docker (last 30 lines) ---\ndockerd[42]: fake journal line\nerror: dockerd is not listening on port 2376 after 1s\n');
    // A look every fifth of a second: one second of patience is six looks (the first at once), not two.
    expect(result.stdout).toMatch(/=== looks 6\n$/);
  });

  it('prints the journal and fails when dockerd does not start', () => {
    const result = run('sh "$SCRIPT"', { FAIL_RESTART: '1' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('--- journalctl -u docker (last 30 lines) ---\ndockerd[42]: fake journal line\nerror: dockerd did not start\n');
  });
  it('adds the login user that ran sudo to the docker group once, so machine proxy can reach the socket', () => {
    const result = run(
      [
        'groupadd docker && useradd -M proxyuser',
        'SUDO_USER=proxyuser sh "$SCRIPT"',
        'echo "=== groups $(id -nG proxyuser)"',
        'echo "=== again"',
        'SUDO_USER=proxyuser sh "$SCRIPT"',
        'echo "=== root"',
        'SUDO_USER=root sh "$SCRIPT"',
        'echo "=== root groups $(id -nG root)"',
      ].join(' && '),
    );
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    const [first, again, root] = result.stdout.split(/=== (?:again|root)\n/);
    expect(first).toContain('engine: proxyuser joined the docker group (for machine proxy)');
    expect(first).toMatch(/=== groups proxyuser docker\n/);
    expect(again).not.toContain('joined the docker group');
    expect(root).not.toContain('joined the docker group');
    expect(root).toMatch(/=== root groups root\n/);
  });

  it('leaves users alone on a host without a docker group', () => {
    const result = run('useradd -M proxyuser && SUDO_USER=proxyuser sh "$SCRIPT" && echo "=== groups $(id -nG proxyuser)"');
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).not.toContain('joined the docker group');
    expect(result.stdout).toMatch(/=== groups proxyuser\n/);
  });
});
