import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildBusyboxRootfsTar } from '../harness/busybox-image';
import { type RunResult, runMachine } from '../helpers/cli';
import { dockerOn } from '../helpers/docker';
import { sampleDriverRoot } from './plugin-driver';
import { SAMPLE_THROUGH_CLI, type SharedHost, contractVm } from './shared-vm';

const MINUTE = 60_000;

/**
 * The sample driver package as a user gets it: `machine plugins link` into a fresh oclif data
 * folder, `machine create --driver sample` on the contract file's shared VM, docker runs a container
 * there, `machine rm`. Then, with a second machine made the same way, the plugin uninstalled:
 * `machine ls` says the driver is missing and which package to install, `machine rm` refuses and says
 * so, `machine rm --force` drops the record.
 */
export function describeSamplePluginThroughCli(): void {
  describe('the sample driver installed as a plugin, through the CLI', () => {
    let home: string;
    let store: string;
    let leases: string;
    let host: SharedHost;
    let busyboxTar: string;

    const machine = (args: string[]): Promise<RunResult> => runMachine(store, args, { env: { MACHINE_DATA_DIR: path.join(home, 'data') } });
    const createArgs = (name: string): string[] => [
      'create',
      '--driver', 'sample',
      '--sample-host', host.vm.host,
      '--sample-ssh-port', String(host.vm.sshPort),
      '--sample-ssh-user', host.vm.user,
      '--sample-ssh-key', host.keyFile,
      '--sample-engine-port', String(host.enginePort),
      '--sample-lease-dir', leases,
      // The shared VM's image has the engine; create still secures it (certificates, TLS drop-in).
      '--engine-install', 'none',
      name,
    ];
    const leaseFiles = async (): Promise<string[]> => (await fs.readdir(leases).catch(() => [])).sort();

    beforeAll(async () => {
      home = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-plugin-cli-'));
      store = path.join(home, 'store');
      leases = path.join(home, 'leases');
      [host, busyboxTar] = await Promise.all([contractVm.take(SAMPLE_THROUGH_CLI), buildBusyboxRootfsTar()]);
      const link = await machine(['plugins', 'link', '--no-install', sampleDriverRoot]);
      expect({ code: link.code, stderr: link.code === 0 ? '' : link.stderr }).toEqual({ code: 0, stderr: '' });
    }, 20 * MINUTE);

    afterAll(async () => {
      // A test that failed half-way may have left a machine; its engine must not outlive the file.
      for (const name of ['plug1', 'plug2']) await machine(['rm', '-y', '--force', name]).catch(() => undefined);
      await contractVm.done(SAMPLE_THROUGH_CLI);
      await fs.rm(home, { recursive: true, force: true });
    }, 5 * MINUTE);

    it('create --driver sample makes a TLS-secured engine that docker runs a container on, the record names the plugin, and rm gives the lease back', async () => {
      const started = Date.now();
      const create = await machine(createArgs('plug1'));
      console.log(`create --driver sample took ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect({ code: create.code, stderr: create.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('engine ready done') });
      const record = JSON.parse(await fs.readFile(path.join(store, 'machines', 'plug1', 'config.json'), 'utf8'));
      expect({ driver: record.driver, driverPlugin: record.driverPlugin, resources: record.resources.map((r: { kind: string }) => r.kind) }).toEqual({
        driver: 'sample',
        driverPlugin: { name: 'machine-driver-sample', version: '1.0.0' },
        resources: ['lease'],
      });
      expect(await leaseFiles()).toEqual([expect.stringMatching(/^plug1-[0-9a-f]{8}\.lease$/)]);
      // The core's part, the same for a plugin's driver: the pinned host key, the certificates, the provisioning log.
      const kept = await fs.readdir(path.join(store, 'machines', 'plug1'));
      expect(['known_hosts', 'ca.pem', 'cert.pem', 'key.pem', 'server.pem', 'server-key.pem', 'provision.log'].filter((file) => !kept.includes(file))).toEqual([]);

      const run = await dockerOn(store, 'plug1', `docker import ${busyboxTar} machine-test/busybox:plugin >/dev/null
        docker run --rm machine-test/busybox:plugin echo from-a-plugin-driver`);
      expect({ code: run.code, stderr: run.stderr, stdout: run.stdout.trim() }).toEqual({ code: 0, stderr: '', stdout: 'from-a-plugin-driver' });

      const ls = await machine(['ls', '--format', '{{.Name}} {{.DriverName}} {{.State}}']);
      expect(ls.stdout.trim()).toBe('plug1 sample Running');

      const rm = await machine(['rm', '-y', 'plug1']);
      expect({ code: rm.code, stdout: rm.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/plug1: gave back lease plug1-[0-9a-f]{8}\.lease/) });
      expect(await leaseFiles()).toEqual([]);
    }, 20 * MINUTE);

    it('with the plugin uninstalled, ls names the package to install, rm refuses and says so, rm --force drops the record', async () => {
      const create = await machine(createArgs('plug2'));
      expect({ code: create.code, stderr: create.code === 0 ? '' : create.stderr }).toEqual({ code: 0, stderr: '' });
      const uninstall = await machine(['plugins', 'uninstall', 'machine-driver-sample']);
      expect(uninstall.code).toBe(0);

      const hint = 'install it with `machine plugins install machine-driver-sample@1.0.0`';
      const ls = await machine(['ls', '--json']);
      expect(JSON.parse(ls.stdout)).toEqual([
        expect.objectContaining({ name: 'plug2', driver: 'sample', state: 'Error', errors: `driver "sample" is missing: it came from plugin machine-driver-sample 1.0.0, which is not installed; ${hint}` }),
      ]);

      const rm = await machine(['rm', '-y', 'plug2']);
      expect({ code: rm.code, stderr: rm.stderr.replace(/\s+/g, ' ') }).toEqual({ code: 1, stderr: expect.stringContaining(hint) });
      expect(JSON.parse((await machine(['ls', '--json', '-q'])).stdout).map((row: { name: string }) => row.name)).toEqual(['plug2']);

      const forced = await machine(['rm', '-f', 'plug2']);
      expect({ code: forced.code, stdout: forced.stdout }).toEqual({ code: 0, stdout: expect.stringContaining('Removed "plug2".') });
      expect(JSON.parse((await machine(['ls', '--json'])).stdout)).toEqual([]);
      // The plugin's resource outlives a forced rm: that is what --force means, and why rm without it refused.
      expect(await leaseFiles()).toEqual([expect.stringMatching(/^plug2-[0-9a-f]{8}\.lease$/)]);
    }, 20 * MINUTE);
  });
}
