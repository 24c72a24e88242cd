import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildBusyboxRootfsTar } from './harness/busybox-image';
import { type LocalAzure, startLocalAzure } from './harness/azure-endpoint';
import { machineBin, runMachine, runShell, type RunResult } from './helpers/cli';
import { dockerOn } from './helpers/docker';

/**
 * `machine create --driver azure` end to end: the real Azure SDK and the real DefaultAzureCredential
 * (an environment service principal, its token from a local authority) talk HTTPS to a local control
 * plane whose VM PUT boots a real VM, reachable at its "public IP" on the ports its security group
 * opens. Failures at each PUT and Ctrl-C during the VM's provisioning must leave nothing behind.
 */
const MINUTE = 60_000;
const SUBSCRIPTION = randomUUID();
const PRINCIPAL = { tenantId: randomUUID(), clientId: randomUUID(), clientSecret: `${randomBytes(18).toString('base64')}~Q8` };

describe('azure driver against a local Azure control plane', () => {
  let azure: LocalAzure;
  let store: string;
  let busyboxTar: string;
  let customData: string;
  const azureEnv = (): NodeJS.ProcessEnv => ({
    ...azure.environment(),
    // Nothing of whoever runs the tests: no az CLI login, no managed identity probing beyond the environment credential.
    AZURE_CONFIG_DIR: path.join(store, 'no-az-cli'),
    AZURE_FEDERATED_TOKEN_FILE: '',
  });
  const machine = (args: string[]): Promise<RunResult> => runMachine(store, args, { env: azureEnv() });
  const createArgs = (name: string, extra: string[] = []): string[] => ['create', '--driver', 'azure', '--azure-endpoint', azure.armEndpoint, '--engine-install', 'none', ...extra, name];
  const dockerRun = (name: string, text: string) => dockerOn(store, name, `docker run --rm machine-test/busybox:latest echo ${text}`, { env: azureEnv() });
  /** The CLI wraps long lines for the terminal; messages are checked with the wrapping undone. */
  const flat = (text: string) => text.replace(/\s*·?\n\s*/g, ' ');
  const named = (name: string) => azure.leftovers().filter((id) => new RegExp(`/${name}(-nic|-ip|-nsg|-osdisk)?$`).test(id));

  beforeAll(async () => {
    store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-e2e-azure-'));
    customData = path.join(store, 'custom-data.yaml');
    await fs.writeFile(customData, '#cloud-config\nwrite_files:\n  - path: /etc/machine-e2e-custom-data\n    content: "delivered by custom data\\n"\n');
    [azure, busyboxTar] = await Promise.all([startLocalAzure({ subscriptionId: SUBSCRIPTION, principal: PRINCIPAL, vmVariant: 'engine' }), buildBusyboxRootfsTar()]);
  }, 20 * MINUTE);

  afterAll(async () => {
    for (const name of ['az0', 'az1', 'az2', 'az3']) await machine(['rm', '-y', '--force', name]).catch(() => undefined);
    await azure?.close();
    await fs.rm(store, { recursive: true, force: true });
  });

  it('refuses a size the subscription cannot have before making anything (exit 3)', async () => {
    const result = await machine(createArgs('az0', ['--azure-size', 'Standard_NC6s_v3']));
    expect(result.code).toBe(3);
    expect(flat(result.stderr)).toContain('VM size Standard_NC6s_v3 is not available to this subscription in westus2 (NotAvailableForSubscription)');
    expect(azure.leftovers()).toEqual([]);
    expect(azure.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  }, 2 * MINUTE);

  it.each([
    ['PUT resourceGroups', { status: 403, code: 'AuthorizationFailed', message: "The client does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourcegroups/write'." }],
    ['PUT virtualNetworks', { status: 409, code: 'Conflict', message: 'Another operation on this or a dependent resource is in progress.' }],
    ['PUT networkSecurityGroups', { status: 400, code: 'SecurityRuleInvalidPriority', message: 'Security rule has invalid Priority.' }],
    ['PUT publicIPAddresses', { status: 409, code: 'OperationNotAllowed', message: 'Cannot create more than 10 public IP addresses for this subscription in this region.' }],
    ['PUT networkInterfaces', { status: 500, code: 'InternalServerError', message: 'An error occurred.', times: 4 }],
    ['PUT virtualMachines', { status: 409, code: 'SkuNotAvailable', message: 'The requested VM size is currently not available in location westus2.' }],
  ])('a failure at %s rolls back everything made before it, naming the step and Azure code', async (operation, fault) => {
    azure.failNext(operation, fault);
    const result = await machine(createArgs('az3'));
    expect(result.code).toBe(1);
    expect(flat(result.stderr)).toContain(`failed: ${fault.code}: ${fault.message}`);
    expect(result.stderr).toMatch(/create host FAILED/);
    expect(azure.leftovers()).toEqual([]);
    expect((await machine(['rm', '-y', 'az3'])).code).toBe(0);
  }, 3 * MINUTE);

  it('a VM that fails provisioning after Azure accepted it is deleted with everything else', async () => {
    azure.failAsync('PUT virtualMachines', { code: 'OSProvisioningTimedOut', message: 'OS Provisioning for VM az3 did not finish in the allotted time.' });
    const result = await machine(createArgs('az3'));
    expect(result.code).toBe(1);
    expect(flat(result.stderr)).toContain('Azure create VM az3 failed: OSProvisioningTimedOut: OS Provisioning for VM az3 did not finish in the allotted time.');
    expect(azure.requests.some((r) => r.operation === 'DELETE virtualMachines' && r.status === 202)).toBe(true);
    expect(azure.leftovers()).toEqual([]);
    expect((await machine(['rm', '-y', 'az3'])).code).toBe(0);
  }, 3 * MINUTE);

  it('creates a VM through the SDK, pins the host key from the serial log, and docker runs a container on it', async () => {
    // Throttling on the way must be absorbed by the SDK's policies, not reported.
    azure.throttle('GET resourceGroups', 2);
    const created = await machine(createArgs('az1', ['--azure-tags', 'team,e2e', '--azure-custom-data', customData]));
    expect({ code: created.code, stderr: created.code === 0 ? '' : created.stderr }).toEqual({ code: 0, stderr: '' });
    expect(created.stderr).toMatch(/host key: the host must present one of SHA256:/);
    expect(azure.requests.filter((r) => r.status === 429)).toHaveLength(2);
    expect(azure.requests.filter((r) => r.status === 401)).toEqual([]);

    const snapshot = azure.snapshot();
    const vm = snapshot.resources.find((r) => r.type === 'Microsoft.Compute/virtualMachines' && r.name === 'az1');
    expect(vm?.tags).toEqual({ team: 'e2e', 'machine:name': 'az1' });
    expect(vm?.properties).toMatchObject({ provisioningState: 'Succeeded', storageProfile: { imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: '24.04.202502210' } }, diagnosticsProfile: { bootDiagnostics: { enabled: true } } });
    expect(snapshot.resourceGroups.map((g) => [g.name, g.tags['machine:managed']])).toEqual([['machine', 'true']]);
    const record = JSON.parse(await fs.readFile(path.join(store, 'machines', 'az1', 'config.json'), 'utf8')) as { driverState: { image?: string }; resources: Array<{ kind: string }> };
    expect(record.driverState.image).toBe('Canonical:ubuntu-24_04-lts:server:24.04.202502210');
    expect(record.resources.map((r) => r.kind)).toEqual(['azure-resource-group', 'azure-vnet', 'azure-nsg', 'azure-public-ip', 'azure-nic', 'azure-vm', 'azure-disk']);

    const ip = (await machine(['ip', 'az1'])).stdout.trim();
    expect(ip).toMatch(/^127\.\d+\.0\.\d+$/);
    expect((await machine(['url', 'az1'])).stdout.trim()).toBe(`tcp://${ip}:2376`);
    expect((await machine(['ssh', 'az1', '--', 'cat /etc/machine-e2e-custom-data'])).stdout.trim()).toBe('delivered by custom data');
    const imported = await dockerOn(store, 'az1', `docker import ${busyboxTar} machine-test/busybox:latest >/dev/null && echo ok`, { env: azureEnv() });
    expect(imported.stdout.trim()).toBe('ok');
    expect((await dockerRun('az1', 'hello-azure')).stdout.trim()).toBe('hello-azure');
  }, 15 * MINUTE);

  it('keeps no secret in the store: not the client secret, not a token, not in inspect', async () => {
    const inspect = await machine(['inspect', 'az1']);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).not.toContain(PRINCIPAL.clientSecret);
    const secrets = [PRINCIPAL.clientSecret, ...azure.issuedTokens()];
    expect(secrets.length).toBeGreaterThan(1);
    const patterns = secrets.map((s) => `-e ${JSON.stringify(s)}`).join(' ');
    const grep = await runShell(store, `grep -rlF ${patterns} ${JSON.stringify(path.join(store, 'machines'))} ${JSON.stringify(path.join(store, 'certs'))} || true`);
    expect(grep.stdout.trim()).toBe('');
    // The store is not merely empty of it: every call was authorized with a token the secret obtained.
    expect(new Set(azure.requests.filter((r) => r.operation !== 'GET blob').map((r) => r.clientId))).toEqual(new Set([PRINCIPAL.clientId]));
  });

  it('stop deallocates (the guest ends; the Standard public IP keeps its address); start brings back files and docker', async () => {
    const before = (await machine(['ip', 'az1'])).stdout.trim();
    expect((await machine(['ssh', 'az1', '--', 'echo kept > ~/persist.txt && sync'])).code).toBe(0);
    const stopped = await machine(['stop', 'az1']);
    expect({ code: stopped.code, stderr: stopped.code === 0 ? '' : stopped.stderr }).toEqual({ code: 0, stderr: '' });
    expect((await machine(['status', 'az1'])).stdout.trim()).toBe('Stopped');
    expect(azure.guestRunning('machine', 'az1')).toBe(false);
    expect(azure.requests.filter((r) => r.operation === 'POST deallocate')).toHaveLength(1);

    const started = await machine(['start', 'az1']);
    expect({ code: started.code, stderr: started.code === 0 ? '' : started.stderr }).toEqual({ code: 0, stderr: '' });
    // Azure retired Basic (dynamic) public IPs: ours is Standard and static, so deallocation keeps it.
    expect((await machine(['ip', 'az1'])).stdout.trim()).toBe(before);
    expect((await machine(['url', 'az1'])).stdout.trim()).toBe(`tcp://${before}:2376`);
    expect((await machine(['ssh', 'az1', '--', 'cat ~/persist.txt'])).stdout.trim()).toBe('kept');
    expect((await dockerRun('az1', 'after-start')).stdout.trim()).toBe('after-start');
  }, 15 * MINUTE);

  it("Ctrl-C while the VM's long-running create is polled deletes what it made, and only that", async () => {
    const child = spawn(process.execPath, [machineBin, ...createArgs('az2', ['--json'])], {
      env: { ...process.env, ...azureEnv(), MACHINE_STORAGE_PATH: store },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let interrupted = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // Once the VM's PUT is accepted and its operation polled: the moment a user loses patience.
      if (!interrupted && /"message":"creating VM az2 .*waiting for Azure to provision it"/.test(stderr)) {
        interrupted = true;
        setTimeout(() => child.kill('SIGINT'), 1_500);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(interrupted).toBe(true);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/"event":"phase-failed","phase":"create host","elapsedMs":\d+,"message":"interrupted while waiting for VM az2 to be provisioned"/);
    expect(stderr).toMatch(/"event":"phase-end","phase":"roll back"/);
    expect(named('az2')).toEqual([]);
    // The machine that shares the group and the network still has them.
    expect(named('az1')).toHaveLength(5);
    expect((await machine(['rm', '-y', 'az2'])).code).toBe(0);
    expect((await machine(['status', 'az1'])).stdout.trim()).toBe('Running');
  }, 10 * MINUTE);

  it('rm deletes the VM, its disk, interface, address and security group, then the network and group it made: nothing is left', async () => {
    const removed = await machine(['rm', '-y', 'az1']);
    expect({ code: removed.code, stderr: removed.code === 0 ? '' : removed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(flat(removed.stdout)).toContain('deleted VM az1, disk az1-osdisk, network interface az1-nic, public IP az1-ip, network security group az1-nsg, virtual network machine-vnet, resource group machine');
    expect(azure.leftovers()).toEqual([]);
    expect(JSON.parse((await machine(['ls', '--json'])).stdout)).toEqual([]);
  }, 5 * MINUTE);
});
