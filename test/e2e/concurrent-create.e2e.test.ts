import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type TestVm, bootVm, generateTestKeyPair } from './harness/vm';
import { findFreePorts } from './harness/free-port';
import { runMachine } from './helpers/cli';
import { dockerOn } from './helpers/docker';

/**
 * Two `machine create` runs started at the same moment against an empty store (docker-machine's
 * CA race, complaint #4): both must succeed and share one CA.
 */
const MINUTE = 60_000;

describe('concurrent creates from an empty store', () => {
  let store: string;
  let keyFile: string;
  const vms: TestVm[] = [];
  const ports: number[] = [];

  beforeAll(async () => {
    store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-e2e-conc-'));
    await fs.rm(store, { recursive: true }); // truly empty: the store folder itself does not exist yet
    const keys = generateTestKeyPair();
    keyFile = `${store}-id_ed25519`;
    await fs.writeFile(keyFile, keys.privateKey, { mode: 0o600 });
    ports.push(...(await findFreePorts(2)));
    vms.push(
      ...(await Promise.all(
        ports.map((port, i) => bootVm({ variant: 'engine', name: `e2e-conc-${i}`, authorizedKey: keys.publicKey, privateKey: keys.privateKey, forwardPorts: [port] })),
      )),
    );
  }, 20 * MINUTE);

  afterAll(async () => {
    await Promise.all(vms.map((vm) => vm.stop()));
    await fs.rm(store, { recursive: true, force: true });
    await fs.rm(keyFile, { force: true });
  });

  it('both succeed with one shared CA and both engines answer docker', async () => {
    const results = await Promise.all(
      vms.map((vm, i) =>
        runMachine(store, [
          'create', '--driver', 'generic', '--generic-ip-address', '127.0.0.1', '--generic-ssh-port', String(vm.sshPort),
          '--generic-ssh-user', 'admin', '--generic-ssh-key', keyFile, '--generic-engine-port', String(ports[i]),
          '--engine-install', 'none', `conc${i}`,
        ]),
      ),
    );
    expect(results.map((r) => ({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }))).toEqual([{ code: 0, stderr: '' }, { code: 0, stderr: '' }]);

    const storeCa = await fs.readFile(path.join(store, 'certs', 'ca.pem'), 'utf8');
    for (const name of ['conc0', 'conc1']) {
      expect(await fs.readFile(path.join(store, 'machines', name, 'ca.pem'), 'utf8')).toBe(storeCa);
      // dockerOn fails unless docker reached the engine named after the machine.
      const info = await dockerOn(store, name, `docker version --format '{{.Server.Version}}'`);
      expect({ name, code: info.code, stderr: info.stderr, version: info.stdout.trim() }).toEqual({ name, code: 0, stderr: '', version: expect.stringMatching(/^\d+\./) });
    }
    const certFiles = (await fs.readdir(path.join(store, 'certs'))).sort();
    expect(certFiles).toEqual(['ca-key.pem', 'ca.pem', 'cert.pem', 'key.pem']);
  }, 15 * MINUTE);
});
