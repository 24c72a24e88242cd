import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MachineError } from '../../src/core/errors';
import type { EngineOptions } from '../../src/core/machine-record';
import { DOCKER_APT_KEY_FINGERPRINT } from '../../src/provision/docker-key';
import { rootScriptCommand } from '../../src/provision/remote-command';
import { PROBE_COMMAND } from '../../src/provision/host-probe';
import { provisionHost, type ProvisionInput } from '../../src/provision/runner';
import { FakeSession } from './fake-session';
import { rejectionOf } from '../helpers/rejection';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

const INSTALLED = '::phase apt-update\nHit:1 http://mirror.example bookworm InRelease\n::phase apt-install\n::changed packages\n::dockerd /usr/bin/dockerd\n';
const RESTARTED = '::dockerd /usr/bin/dockerd\n::phase restart-engine\nengine: restarted\n::engine restarted\nengine: listening on tcp port 2376 with TLS\n';

function engine(overrides: Partial<EngineOptions> = {}): EngineOptions {
  return { install: 'docker', port: 2376, labels: [], opts: [], env: [], insecureRegistries: [], registryMirrors: [], ...overrides };
}

function input(overrides: Partial<ProvisionInput> = {}): ProvisionInput {
  return {
    machineName: 'dev1',
    driverName: 'generic',
    engine: engine(),
    serverTlsFor: async () => ({ certPem: 'SERVER CERT', keyPem: 'SERVER KEY', caCertPem: 'CA CERT' }),
    ...overrides,
  };
}

function recorder() {
  const phases: string[] = [];
  const lines: string[] = [];
  return { phases, lines, events: { phase: (name: string) => phases.push(name), log: (line: string) => lines.push(line) } };
}

function happySession(): FakeSession {
  const session = new FakeSession();
  session.scriptReplies = {
    'set-hostname': { stdout: 'hostname: set to dev1\n::changed hostname\n' },
    'install-engine': { stdout: INSTALLED },
    'configure-engine': { stdout: RESTARTED },
  };
  return session;
}

const failure = (promise: Promise<unknown>): Promise<MachineError> => rejectionOf(promise, MachineError);

describe('provisionHost', () => {
  it('runs the whole sequence over one session and cleans up', async () => {
    const session = happySession();
    const { phases, lines, events } = recorder();
    const result = await provisionHost(session, input(), events);

    expect(result).toEqual({
      os: { id: 'debian', idLike: [], versionCodename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
      engineChanged: true,
      dockerdPath: '/usr/bin/dockerd',
    });
    const dir = session.stagingDir;
    // One look at the host, then every script in one root shell, which removes the staging folder itself.
    expect(session.commands).toEqual([
      PROBE_COMMAND,
      `sudo -n env MACHINE_HOSTNAME='dev1' ENGINE_INSTALL='docker' ENGINE_REPO_URL='https://download.docker.com/linux/debian' ENGINE_REPO_SUITE='bookworm'` +
        ` ENGINE_REPO_COMPONENT='stable' ENGINE_REPO_KEY_FILE='${dir}/engine-repo-key.asc' ENGINE_REPO_KEY_FINGERPRINT='${DOCKER_APT_KEY_FINGERPRINT}'` +
        ` OS_ID='debian' OS_CODENAME='bookworm' ENGINE_STAGING_DIR='${dir}' ENGINE_TRANSPORT='tls' ENGINE_PORT='2376'` +
        ` sh '${dir}/run-steps.sh' 'set-hostname' 'install-engine' 'configure-engine'`,
    ]);
    expect(session.ran).toEqual(['set-hostname', 'install-engine', 'configure-engine']);
    expect(phases).toEqual(['probe-host', 'upload', 'set-hostname', 'install-engine', 'apt-update', 'apt-install', 'configure-engine', 'restart-engine']);
    expect(lines).toContain('Hit:1 http://mirror.example bookworm InRelease');
    expect(lines).toContain('engine: restarted');
  });

  it('uploads every script, the certificates (key 0600), the bundled key and the rendered drop-in', async () => {
    const session = happySession();
    await provisionHost(session, input({ engine: engine({ labels: ['env=dev'] }) }), recorder().events);
    const dir = session.stagingDir;
    const shipped = path.join(__dirname, '../../provision-scripts');
    for (const script of ['set-hostname.sh', 'install-engine.sh', 'configure-engine.sh', 'lib/common.sh']) {
      expect(session.files.get(`${dir}/${script}`)?.content).toBe(readFileSync(path.join(shipped, script), 'utf8'));
    }
    expect(session.files.get(`${dir}/server-key.pem`)).toEqual({ content: 'SERVER KEY', mode: 0o600 });
    expect(session.files.get(`${dir}/server.pem`)?.content).toBe('SERVER CERT');
    expect(session.files.get(`${dir}/ca.pem`)?.content).toBe('CA CERT');
    expect(session.files.get(`${dir}/engine-repo-key.asc`)?.content).toBe(readFileSync(path.join(__dirname, '../../keys/docker-apt.asc'), 'utf8'));
    // Rendered before the host says where dockerd is: configure-engine.sh puts in the path it finds.
    const dropIn = session.files.get(`${dir}/10-machine.conf`)?.content ?? '';
    expect(dropIn).toContain('ExecStart=@DOCKERD@ -H unix:///var/run/docker.sock');
    expect(dropIn).toContain('--label env=dev --label provider=generic');
    const order = session.order;
    expect(order.indexOf(`write ${dir}/10-machine.conf`)).toBeLessThan(order.findIndex((o) => o.startsWith('exec ') && o.includes('run-steps.sh')));
  });

  it('issues the server certificate for the addresses the probe reported, before uploading it', async () => {
    const session = happySession();
    session.addressReport = '2: eth0    inet 10.0.2.15/24 brd 10.0.2.255 scope global eth0\n3: docker0    inet 172.17.0.1/16 scope global docker0\n';
    const asked: string[][] = [];
    const tls = { certPem: 'CERT FOR 10.0.2.15', keyPem: 'KEY', caCertPem: 'CA' };
    await provisionHost(session, input({ serverTlsFor: async (addresses) => (asked.push(addresses), tls) }), recorder().events);
    expect(asked).toEqual([['10.0.2.15']]);
    expect(session.files.get(`${session.stagingDir}/server.pem`)?.content).toBe('CERT FOR 10.0.2.15');
  });

  it('ships no server certificate for the ssh transport, and tells configure-engine to listen on the socket only', async () => {
    const session = happySession();
    const { serverTlsFor: _unused, ...withoutTls } = input({ engine: engine({ transport: 'ssh' }) });
    await provisionHost(session, withoutTls, recorder().events);
    const dir = session.stagingDir;
    for (const file of ['server.pem', 'server-key.pem', 'ca.pem']) expect(session.files.has(`${dir}/${file}`)).toBe(false);
    const steps = session.commands.find((c) => c.includes('run-steps.sh')) ?? '';
    expect(steps).toContain(`ENGINE_TRANSPORT='ssh'`);
    expect(steps).not.toContain('ENGINE_PORT');
    const dropIn = session.files.get(`${dir}/10-machine.conf`)?.content ?? '';
    expect(dropIn).toContain('ExecStart=@DOCKERD@ -H unix:///var/run/docker.sock --label provider=generic');
    expect(dropIn).not.toMatch(/tcp:|--tls/);
  });

  it('skips install-engine on a host booted from a provisioned image, and answers the dockerd the host reports', async () => {
    const session = happySession();
    session.scriptReplies['configure-engine'] = { stdout: '::dockerd /usr/sbin/dockerd\nengine: unchanged\n::engine unchanged\n' };
    const { phases, events } = recorder();
    const result = await provisionHost(session, input({ engineInImage: true }), events);
    expect(result).toMatchObject({ dockerdPath: '/usr/sbin/dockerd', engineChanged: false });
    expect(session.ran).toEqual(['set-hostname', 'configure-engine']);
    expect(phases).not.toContain('install-engine');
    expect(session.commands.find((c) => c.includes('run-steps.sh'))).not.toContain('ENGINE_INSTALL');
  });

  it('reports no change when configure-engine left dockerd as it was', async () => {
    const session = happySession();
    session.scriptReplies['install-engine'] = { stdout: 'engine: already installed\n::dockerd /usr/bin/dockerd\n' };
    session.scriptReplies['configure-engine'] = { stdout: '::dockerd /usr/bin/dockerd\nengine: unchanged\n::engine unchanged\n' };
    const result = await provisionHost(session, input(), recorder().events);
    expect(result.engineChanged).toBe(false);
  });

  it('runs without sudo when the SSH user is root, and reads output from sessions that do not stream', async () => {
    const session = happySession();
    session.uid = '0';
    session.streams = false;
    const result = await provisionHost(session, input({ engine: engine({ install: 'distro' }) }), recorder().events);
    expect(result.dockerdPath).toBe('/usr/bin/dockerd');
    expect(session.commands.filter((c) => c.startsWith('sudo'))).toEqual([]);
    expect(session.commands.find((c) => c.includes('run-steps.sh'))).toMatch(/^env MACHINE_HOSTNAME='dev1' ENGINE_INSTALL='distro' /);
  });

  it('passes a repo install its URL, suite, component, key and fingerprint', async () => {
    const session = happySession();
    const key = readFileSync(path.join(__dirname, '..', '..', 'keys', 'docker-apt.asc'), 'utf8');
    await provisionHost(
      session,
      input({
        repoKeyArmored: key,
        engine: engine({ install: 'repo', repoUrl: 'https://mirror.example/docker', repoSuite: 'stable/', version: '27.3' }),
      }),
      recorder().events,
    );
    const command = session.commands.find((c) => c.includes('run-steps.sh')) ?? '';
    expect(command).toContain("ENGINE_INSTALL='repo' ENGINE_VERSION='27.3' ENGINE_REPO_URL='https://mirror.example/docker' ENGINE_REPO_SUITE='stable/'");
    expect(command).toContain(`ENGINE_REPO_KEY_FINGERPRINT='${DOCKER_APT_KEY_FINGERPRINT}'`);
    expect(session.files.get(`${session.stagingDir}/engine-repo-key.asc`)).toEqual({ content: key, mode: 0o600 });
  });

  it('refuses a repo install without a key before touching the host', async () => {
    const session = happySession();
    const err = await failure(provisionHost(session, input({ engine: engine({ install: 'repo', repoUrl: 'https://x' }) }), recorder().events));
    expect(err.code).toBe('USAGE');
    expect(session.commands).toEqual([]);
  });

  it('refuses a repo key that is not a key before touching the host', async () => {
    const session = happySession();
    const err = await failure(
      provisionHost(session, input({ repoKeyArmored: 'garbage', engine: engine({ install: 'repo', repoUrl: 'https://x' }) }), recorder().events),
    );
    expect(err.code).toBe('INVALID_KEY');
    expect(session.commands).toEqual([]);
  });

  it('fails with NO_SUDO naming the user and what sudo said', async () => {
    const session = happySession();
    session.sudoWorks = false;
    const err = await failure(provisionHost(session, input(), recorder().events));
    expect(err.code).toBe('NO_SUDO');
    expect(err.message).toBe('user debian needs passwordless sudo on the host: sudo: a password is required');
    // Learnt from the root shell, which never started; nothing of ours is left on the host.
    expect(session.ran).toEqual([]);
    expect(session.commands.at(-1)).toBe(`rm -rf -- '${session.stagingDir}'`);
  });

  it('fails fast on an unsupported OS, before uploading anything', async () => {
    const session = happySession();
    session.osRelease = 'ID=fedora\nVERSION_ID=40\n';
    const err = await failure(provisionHost(session, input(), recorder().events));
    expect(err.code).toBe('UNSUPPORTED_OS');
    expect(err.message).toBe('unsupported OS: ID=fedora ID_LIKE=');
    expect(session.files.size).toBe(0);
  });

  it('turns a failing script into PROVISION_FAILED with the step, the reason and the output tail, and still cleans up', async () => {
    const session = happySession();
    const noise = Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n');
    session.scriptReplies['install-engine'] = {
      code: 1,
      stdout: `${noise}\n`,
      stderr: 'error: the repository at https://download.docker.com/linux/debian is not signed by the key with fingerprint X (from --engine-repo-key): E: NO_PUBKEY\n',
    };
    const err = await failure(provisionHost(session, input(), recorder().events));
    expect(err.code).toBe('PROVISION_FAILED');
    expect(err.message).toMatch(/^provisioning failed at install-engine: the repository at https:\/\/download.docker.com\/linux\/debian is not signed/);
    expect(err.message).toContain('line 39');
    expect(err.message).not.toContain('line 5\n');
    expect(session.commands.at(-1)).toBe(`rm -rf -- '${session.stagingDir}'`);
    expect(session.ran).toEqual(['set-hostname', 'install-engine']);
  });

  it('fails when the scripts do not say where dockerd is', async () => {
    const session = happySession();
    session.scriptReplies['install-engine'] = { stdout: 'done\n' };
    session.scriptReplies['configure-engine'] = { stdout: 'engine: restarted\n::engine restarted\n' };
    const err = await failure(provisionHost(session, input(), recorder().events));
    expect(err.message).toMatch(/^provisioning failed at configure-engine: the scripts did not report where dockerd is/);
  });

  it('needs a codename for Docker repository installs', async () => {
    const session = happySession();
    session.osRelease = 'ID=debian\nPRETTY_NAME="Debian sid"\n';
    const err = await failure(provisionHost(session, input(), recorder().events));
    expect(err.code).toBe('UNSUPPORTED_OS');
    expect(err.message).toMatch(/VERSION_CODENAME/);
    expect(session.commands.at(-1)).toBe(`rm -rf -- '${session.stagingDir}'`);
  });
});

describe('rootScriptCommand', () => {
  it('quotes every value so the shell passes it through unchanged', () => {
    expect(rootScriptCommand('/tmp/a b/x.sh', { A: "o'k" }, false)).toBe(`sudo -n env A='o'\\''k' sh '/tmp/a b/x.sh'`);
  });

  it('refuses environment names that are not names', () => {
    expect(() => rootScriptCommand('/x.sh', { 'A;rm': '1' }, true)).toThrow(/invalid environment variable name/);
  });

  it('survives a real shell with awkward values', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'machine-quote-'));
    try {
      const script = path.join(dir, "print value's.sh");
      writeFileSync(script, 'printf %s "$VALUE"');
      const value = "it's $HOME `id` \"q\" \\ ; | &\nnext";
      const printed = execFileSync('sh', ['-c', rootScriptCommand(script, { VALUE: value }, true)], { encoding: 'utf8', timeout: SYNC_CHILD_TIMEOUT_MS });
      expect(printed).toBe(value);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
