import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { buildBusyboxRootfsTar } from './harness/busybox-image';
import { type TestVm, bootVm, generateTestKeyPair } from './harness/vm';
import { runProcess } from '../../src/util/run-process';
import { findFreePorts } from './harness/free-port';
import { runMachine, runShell } from './helpers/cli';
import { dockerOn } from './helpers/docker';

/**
 * The core capability end to end: a real Debian VM (QEMU, TCG) with sshd and no engine becomes a
 * TLS-secured docker engine through `machine create --driver generic`, and the real docker CLI runs
 * a container on it through `eval "$(machine env NAME)"`. Then every everyday command against it.
 */
const MINUTE = 60_000;

/** A shell run's stderr, only when it failed: shown in the diff of a failed expectation, absent otherwise. */
function failure(run: { code: number; stderr: string }): { stderr?: string } {
  return run.code === 0 ? {} : { stderr: run.stderr };
}

describe('generic driver on a real VM', () => {
  let store: string;
  let keyFile: string;
  let publicKey: string;
  let vm: TestVm;
  let enginePort: number;
  let busyboxTar: string;
  const name = 'vm-a';

  const createArgs = (machineName: string, extra: string[] = []) => [
    'create',
    '--driver', 'generic',
    '--generic-ip-address', '127.0.0.1',
    '--generic-ssh-port', String(vm.sshPort),
    '--generic-ssh-user', 'admin',
    '--generic-ssh-key', keyFile,
    '--generic-engine-port', String(enginePort),
    ...extra,
    machineName,
  ];

  beforeAll(async () => {
    store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-e2e-store-'));
    const keys = generateTestKeyPair();
    publicKey = keys.publicKey;
    keyFile = path.join(store, '..', `${path.basename(store)}-id_ed25519`);
    await fs.writeFile(keyFile, keys.privateKey, { mode: 0o600 });
    enginePort = (await findFreePorts(1))[0];
    [vm, busyboxTar] = await Promise.all([
      bootVm({ variant: 'base', name: 'e2e-generic', authorizedKey: publicKey, privateKey: keys.privateKey, forwardPorts: [enginePort] }),
      buildBusyboxRootfsTar(),
    ]);
    // The SSH user's login shell is fish, which parses POSIX commands differently: everything machine
    // runs on the host must still work, because it goes through an explicit `sh -c`. Set up with the
    // system ssh (a throwaway test VM, so its host key is not checked here; machine pins it at create).
    const setup = await runProcess('ssh', [
      '-i', keyFile, '-p', String(vm.sshPort), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', 'admin@127.0.0.1',
      'sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q fish >/dev/null || { sudo apt-get update -q >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q fish >/dev/null; } && sudo chsh -s /usr/bin/fish admin',
    ], { timeoutMs: 10 * MINUTE, allowNonZeroExit: true });
    // apt talks on stderr when all is well (debconf notes): its words matter only on a failure.
    expect({ code: setup.exitCode, stderr: setup.exitCode === 0 ? '' : setup.stderr }).toEqual({ code: 0, stderr: '' });
  }, 30 * MINUTE);

  afterAll(async () => {
    await vm?.stop();
    await fs.rm(store, { recursive: true, force: true });
    await fs.rm(keyFile, { force: true });
  });

  it('refuses bad input without changing anything', async () => {
    const badName = await runMachine(store, createArgs('bad_name'));
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/invalid machine name/);

    const unknownDriver = await runMachine(store, ['create', '--driver', 'virtualbox', 'x1']);
    expect(unknownDriver.code).toBe(2);
    expect(unknownDriver.stderr).toMatch(/unknown driver "virtualbox"/);

    const noAddress = await runMachine(store, ['create', '--driver', 'generic', 'x2']);
    expect(noAddress.code).toBe(2);
    expect(noAddress.stderr).toMatch(/--generic-ip-address/);

    const unreachable = await runMachine(store, ['create', '--driver', 'generic', '--generic-ip-address', '127.0.0.1', '--generic-ssh-port', String((await findFreePorts(1))[0]), '--generic-ssh-key', keyFile, 'x3']);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/cannot reach 127\.0\.0\.1/);

    const missingKey = await runMachine(store, createArgs('x4').map((a) => (a === keyFile ? '/nonexistent/key' : a)));
    expect(missingKey.code).toBe(3);
    expect(missingKey.stderr).toMatch(/\/nonexistent\/key does not exist/);

    const ls = await runMachine(store, ['ls', '--json']);
    expect(JSON.parse(ls.stdout)).toEqual([]);
  });

  it('creates a TLS-secured engine and runs a container through eval "$(machine env)"', async () => {
    const create = await runMachine(store, createArgs(name, ['--engine-install', 'distro', '--engine-label', 'purpose=e2e']));
    expect({ code: create.code, stderr: create.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('engine ready done') });

    const run = await dockerOn(
      store,
      name,
      `docker import ${busyboxTar} machine-test/busybox:latest >/dev/null
       docker run --rm machine-test/busybox:latest echo marker-$((6*7))`,
    );
    expect({ code: run.code, stderr: run.stderr, stdout: run.stdout.trim() }).toEqual({ code: 0, stderr: '', stdout: 'marker-42' });

    // All of that ran with fish as the SSH user's login shell.
    const loginShell = await runMachine(store, ['ssh', name, '--', 'getent passwd admin']);
    expect(loginShell.stdout.trim()).toMatch(/:\/usr\/bin\/fish$/);

    const labels = await dockerOn(store, name, `docker info --format '{{json .Labels}}'`);
    expect({ code: labels.code, stderr: labels.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(labels.stdout)).toEqual(expect.arrayContaining(['purpose=e2e', 'provider=generic']));
  }, 20 * MINUTE);

  it('keeps a docker context: docker --context, machine use and use --unset reach the machine with no variables', async () => {
    // Plain docker, as in a fresh terminal: nothing in the environment chooses an engine.
    const plain = 'unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_MACHINE_NAME';
    // The user's own context, current before machine: the tests after this one must not find it current
    // (machine env would rightly warn that its DOCKER_HOST hides it), so `finally` makes default current
    // again; the context itself stays, for rm's test to show that rm leaves the user's contexts alone.
    const restoreDefault = () => runShell(store, `${plain}; docker context use default >/dev/null`);
    try {
      const before = await runShell(store, `set -e; ${plain}
        docker context create before-machine --docker host=unix:///run/not-a-machine.sock >/dev/null
        docker context use before-machine >/dev/null
        docker context ls --format '{{.Name}} {{.DockerEndpoint}}'`);
      expect({ code: before.code, ...failure(before) }).toEqual({ code: 0 });
      expect(before.stdout).toContain(`machine-${name} tcp://127.0.0.1:${enginePort}`);

      const byContext = await runShell(store, `set -e; ${plain}
        docker --context machine-${name} info --format '{{.Name}}'
        docker --context machine-${name} import ${busyboxTar} machine-test/busybox:context >/dev/null
        docker --context machine-${name} run --rm machine-test/busybox:context echo through-the-context`);
      expect({ code: byContext.code, lines: byContext.stdout.trim().split('\n'), ...failure(byContext) }).toEqual({ code: 0, lines: [name, 'through-the-context'] });

      const use = await runShell(store, `set -e; ${plain}
        machine use ${name} >/dev/null
        docker context show
        docker info --format '{{.Name}}'
        machine ls --format '{{.Name}} {{.Active}}'`);
      expect({ code: use.code, lines: use.stdout.trim().split('\n'), ...failure(use) }).toEqual({ code: 0, lines: [`machine-${name}`, name, `${name} *`] });

      const unset = await runShell(store, `set -e; ${plain}
        machine use --unset
        docker context show`);
      expect({ code: unset.code, lines: unset.stdout.trim().split('\n'), ...failure(unset) }).toEqual({ code: 0, lines: ['Current docker context is now "before-machine".', 'before-machine'] });

      const envContext = await runShell(store, `set -e; ${plain}
        eval "$(machine env --context ${name})"
        docker info --format '{{.Name}}'`);
      expect({ code: envContext.code, stdout: envContext.stdout.trim(), ...failure(envContext) }).toEqual({ code: 0, stdout: name });
    } finally {
      await restoreDefault();
    }
  }, 10 * MINUTE);

  it('refuses a client without the client certificate in the TLS handshake, while one with it gets an answer', async () => {
    const machineDir = path.join(store, 'machines', name);
    const [ca, cert, key] = await Promise.all(['ca.pem', 'cert.pem', 'key.pem'].map((file) => fs.readFile(path.join(machineDir, file))));
    const withCertificate = await pingOverTls(enginePort, { ca, cert, key });
    expect(withCertificate).toMatchObject({ tls: true, answer: expect.stringMatching(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nOK$/) });

    // TLS itself turns the anonymous client away: the server completes its side of the handshake (or
    // alerts during it), so this is dockerd refusing, not a port where nothing listens.
    const anonymous = await pingOverTls(enginePort, { ca });
    expect(anonymous).toEqual({ tls: true, answer: '', errorCode: expect.stringMatching(/^ERR_SSL_/) });

    // Plain HTTP reaches the TLS listener, which says so; nothing listening would give curl's 000.
    const plain = await runShell(store, `curl -s --max-time 5 -w '\\n%{http_code}' http://127.0.0.1:${enginePort}/_ping || true`);
    expect(plain.stdout).toMatch(/Client sent an HTTP request to an HTTPS server\.\n+400$/);
  });

  it('lists, inspects and reports status', async () => {
    const ls = await runMachine(store, ['ls', '--json']);
    const rows = JSON.parse(ls.stdout) as Array<{ name: string; state: string; docker: string; url: string }>;
    expect(rows).toEqual([expect.objectContaining({ name, state: 'Running', url: `tcp://127.0.0.1:${enginePort}`, docker: expect.stringMatching(/^v\d+\./) })]);

    const table = await runMachine(store, ['ls']);
    expect(table.stdout).toMatch(/^NAME\s+ACTIVE\s+DRIVER\s+STATE\s+URL\s+SWARM\s+DOCKER\s+ERRORS/);
    expect(table.stdout).toMatch(new RegExp(`^${name}\\s+-\\s+generic\\s+Running\\s+tcp://127.0.0.1:${enginePort}\\s+-\\s+v\\d`, 'm'));

    const inspect = await runMachine(store, ['inspect', name]);
    const record = JSON.parse(inspect.stdout);
    expect(record).toMatchObject({ name, driver: 'generic', status: 'ready', engine: { install: 'distro', port: enginePort } });
    expect(inspect.stdout).not.toMatch(/PRIVATE KEY/);

    expect((await runMachine(store, ['status', name])).stdout.trim()).toBe('Running');
    expect((await runMachine(store, ['url', name])).stdout.trim()).toBe(`tcp://127.0.0.1:${enginePort}`);
    expect((await runMachine(store, ['ip', name])).stdout.trim()).toBe('127.0.0.1');
    const active = await runMachine(store, ['active'], { env: { DOCKER_HOST: `tcp://127.0.0.1:${enginePort}` } });
    expect(active.stdout.trim()).toBe(name);
  });

  it('runs commands over ssh with their exit code and copies files both ways', async () => {
    const echo = await runMachine(store, ['ssh', name, '--', 'echo', 'hello-from-$(hostname)']);
    expect({ code: echo.code, stdout: echo.stdout.trim() }).toEqual({ code: 0, stdout: `hello-from-${name}` });
    expect((await runMachine(store, ['ssh', name, '--', 'exit 7'])).code).toBe(7);

    const local = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-e2e-scp-'));
    await fs.mkdir(path.join(local, 'tree/sub'), { recursive: true });
    await fs.writeFile(path.join(local, 'tree/a.txt'), 'alpha\n');
    await fs.writeFile(path.join(local, 'tree/sub/b.txt'), 'beta\n');
    await fs.writeFile(path.join(local, 'one.txt'), 'single file\n');

    expect((await runMachine(store, ['scp', path.join(local, 'one.txt'), `${name}:/tmp/one.txt`])).code).toBe(0);
    expect((await runMachine(store, ['scp', `${name}:/tmp/one.txt`, path.join(local, 'back.txt')])).code).toBe(0);
    expect(await fs.readFile(path.join(local, 'back.txt'), 'utf8')).toBe('single file\n');

    const noRecursive = await runMachine(store, ['scp', path.join(local, 'tree'), `${name}:/tmp/tree`]);
    expect(noRecursive.code).not.toBe(0);
    expect((await runMachine(store, ['scp', '-r', path.join(local, 'tree'), `${name}:/tmp/tree`])).code).toBe(0);
    expect((await runMachine(store, ['ssh', name, '--', 'cat /tmp/tree/sub/b.txt'])).stdout).toBe('beta\n');
    expect((await runMachine(store, ['scp', '-r', `${name}:/tmp/tree`, path.join(local, 'tree-back')])).code).toBe(0);
    expect(await fs.readFile(path.join(local, 'tree-back/sub/b.txt'), 'utf8')).toBe('beta\n');
    await fs.rm(local, { recursive: true, force: true });
    // Eight commands, each a CLI start and an SSH connection: under TCG on a busy machine, more than jest's default 30 s.
  }, 5 * MINUTE);

  it('provisions again without restarting a correct engine', async () => {
    const pid = async () => (await runMachine(store, ['ssh', name, '--', 'pidof dockerd'])).stdout.trim();
    const before = await pid();
    expect(before).toMatch(/^\d+$/);
    const again = await runMachine(store, ['provision', name]);
    expect({ code: again.code, stdout: again.stdout }).toEqual({ code: 0, stdout: expect.stringContaining('nothing changed') });
    expect(await pid()).toBe(before);
  }, 10 * MINUTE);

  it('regenerates the server certificate and docker keeps working', async () => {
    const certFile = path.join(store, 'machines', name, 'server.pem');
    const before = await fs.readFile(certFile, 'utf8');
    const regen = await runMachine(store, ['regenerate-certs', '--force', name]);
    expect(regen.code).toBe(0);
    expect(await fs.readFile(certFile, 'utf8')).not.toBe(before);
    const ps = await dockerOn(store, name, 'docker run --rm machine-test/busybox:latest echo still-here');
    expect({ code: ps.code, stderr: ps.stderr, stdout: ps.stdout.trim() }).toEqual({ code: 0, stderr: '', stdout: 'still-here' });
  }, 10 * MINUTE);

  it('refuses a changed host key, showing both fingerprints, until accepted deliberately', async () => {
    const rekey = await runMachine(store, ['ssh', name, '--', 'sudo rm -f /etc/ssh/ssh_host_* && sudo ssh-keygen -A >/dev/null && sudo systemctl restart ssh']);
    expect(rekey.code).toBe(0);
    const refused = await runMachine(store, ['ssh', name, '--', 'true']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.match(/SHA256:[A-Za-z0-9+/]{43}/g)?.length).toBeGreaterThanOrEqual(2);
    expect(refused.stderr).toMatch(/--accept-host-key/);
    expect((await runMachine(store, ['ssh', name, '--accept-host-key', '--', 'true'])).code).toBe(0);
    expect((await runMachine(store, ['ssh', name, '--', 'true'])).code).toBe(0);
    // ssh-keygen -A makes an RSA key under TCG, and five commands connect: jest's 30 s default is too tight.
  }, 3 * MINUTE);

  it('fails clearly for a user without sudo and a wrong key, and records the failure', async () => {
    const addUser = await runMachine(store, [
      'ssh', name, '--',
      `sudo useradd -m -s /bin/bash nosudo && sudo install -d -m 700 -o nosudo /home/nosudo/.ssh && echo '${publicKey}' | sudo tee /home/nosudo/.ssh/authorized_keys >/dev/null && sudo chown nosudo /home/nosudo/.ssh/authorized_keys`,
    ]);
    expect(addUser.code).toBe(0);
    const args = createArgs('nosudo-vm', ['--engine-install', 'none']).map((a) => (a === 'admin' ? 'nosudo' : a));
    const noSudo = await runMachine(store, args);
    expect(noSudo.code).toBe(1);
    expect(noSudo.stderr).toMatch(/passwordless sudo/);
    const ls = JSON.parse((await runMachine(store, ['ls', '--json'])).stdout) as Array<{ name: string; state: string; errors: string }>;
    expect(ls.find((r) => r.name === 'nosudo-vm')).toMatchObject({ state: 'Error', errors: expect.stringMatching(/sudo/) });
    expect((await runMachine(store, ['rm', '-y', 'nosudo-vm'])).code).toBe(0);

    const otherKey = generateTestKeyPair();
    const wrongKeyFile = `${keyFile}-wrong`;
    await fs.writeFile(wrongKeyFile, otherKey.privateKey, { mode: 0o600 });
    const wrongKey = await runMachine(store, createArgs('wrongkey-vm').map((a) => (a === keyFile ? wrongKeyFile : a)));
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/authenticat/i);
    expect((await runMachine(store, ['rm', '-y', 'wrongkey-vm'])).code).toBe(0);
    await fs.rm(wrongKeyFile, { force: true });
  }, 10 * MINUTE);

  it('an engine that cannot start fails the create with the tail of its log', async () => {
    // Last on purpose: this replaces the VM's dockerd configuration with one dockerd rejects.
    const broken = await runMachine(store, createArgs('broken-engine', ['--engine-install', 'none', '--engine-opt', 'no-such-dockerd-flag=1']));
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/provisioning failed at configure-engine/);
    expect(broken.stderr).toMatch(/no-such-dockerd-flag/);
    const ls = JSON.parse((await runMachine(store, ['ls', '--json'])).stdout) as Array<{ name: string; state: string }>;
    expect(ls.find((r) => r.name === 'broken-engine')).toMatchObject({ state: 'Error' });
    expect((await runMachine(store, ['rm', '-y', 'broken-engine'])).code).toBe(0);
  }, 10 * MINUTE);

  it('start and kill are refused as unsupported by the generic driver (stop is in the driver contract suite)', async () => {
    for (const operation of ['start', 'kill']) {
      const refused = await runMachine(store, [operation, name]);
      expect({ operation, code: refused.code, stderr: refused.stderr }).toEqual({ operation, code: 1, stderr: expect.stringContaining(`${operation} is not supported by the generic driver`) });
    }
  });

  it('rm without -y on a non-terminal refuses instead of hanging, and rm -y removes the record', async () => {
    const refused = await runMachine(store, ['rm', name]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    const removed = await runMachine(store, ['rm', '-y', name]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(`removed docker context machine-${name}`);
    await expect(fs.access(path.join(store, 'machines', name))).rejects.toThrow();
    const contexts = await runShell(store, "docker context ls --format '{{.Name}}'");
    expect(contexts.stdout.trim().split('\n').sort()).toEqual(['before-machine', 'default']);
    expect(JSON.parse((await runMachine(store, ['ls', '--json'])).stdout)).toEqual([]);
  });
});

/** One GET /_ping over TLS: whether the TLS layer was reached (a completed handshake or an alert in it), what came back, and the error code. */
function pingOverTls(port: number, credentials: { ca: Buffer; cert?: Buffer; key?: Buffer }): Promise<{ tls: boolean; answer: string; errorCode?: string }> {
  return new Promise((resolve) => {
    let handshake = false;
    let answer = '';
    let errorCode: string | undefined;
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...credentials }, () => {
      handshake = true;
      socket.write('GET /_ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    });
    socket.setTimeout(15_000, () => socket.destroy(Object.assign(new Error('no answer within 15 s'), { code: 'TIMEOUT' })));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('error', (err: NodeJS.ErrnoException) => (errorCode = err.code ?? err.message));
    socket.on('close', () => {
      const tlsReached = handshake || (errorCode?.startsWith('ERR_SSL_') ?? false);
      resolve({ tls: tlsReached, answer, ...(errorCode !== undefined ? { errorCode } : {}) });
    });
  });
}
