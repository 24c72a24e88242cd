import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EC2Client, StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand, waitUntilInstanceRunning, waitUntilInstanceStopped } from '@aws-sdk/client-ec2';
import { type FakeEc2, startFakeEc2 } from './harness/ec2-endpoint';
import { unreadElements } from './harness/ec2-endpoint/schema-check';
import { buildBusyboxRootfsTar } from './harness/busybox-image';
import { machineBin, runMachine, runShell, type RunResult } from './helpers/cli';
import { isolatedAwsEnv } from './helpers/aws-env';
import { dockerOn } from './helpers/docker';

/**
 * `machine create --driver amazonec2` end to end: the real AWS SDK talks to a local EC2 endpoint that
 * speaks the Query protocol and boots a real VM for RunInstances (reachable at its "public IP" on
 * ports 22 and 2376, as on EC2). Credentials reach the CLI only through the environment, as the SDK's
 * default chain reads them; the test then searches the store for them.
 */
const MINUTE = 60_000;
const REGION = 'us-east-1';
const ACCESS_KEY_ID = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
const SECRET_ACCESS_KEY = randomBytes(30).toString('base64');

describe('amazonec2 driver against a local EC2 endpoint', () => {
  let fake: FakeEc2;
  let store: string;
  let busyboxTar: string;
  const awsEnv = (): NodeJS.ProcessEnv => isolatedAwsEnv({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY }, REGION);
  const machine = (args: string[]): Promise<RunResult> => runMachine(store, args, { env: awsEnv() });
  const createArgs = (name: string, extra: string[] = [], driver = 'amazonec2'): string[] => [
    'create', '--driver', driver, '--amazonec2-endpoint', fake.endpoint, '--engine-install', 'none', ...extra, name,
  ];
  const dockerRun = (name: string, text: string) => dockerOn(store, name, `docker run --rm machine-test/busybox:latest echo ${text}`);
  const sdk = () => new EC2Client({ region: REGION, endpoint: fake.endpoint, credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY } });
  const instancesOf = (name: string) => fake.snapshot().instances.filter((i) => i.tags['machine:name'] === name);

  beforeAll(async () => {
    store = await fs.mkdtemp(path.join(os.tmpdir(), 'machine-e2e-ec2-'));
    [fake, busyboxTar] = await Promise.all([startFakeEc2({ region: REGION, accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, vmVariant: 'engine' }), buildBusyboxRootfsTar()]);
  }, 20 * MINUTE);

  afterAll(async () => {
    for (const name of ['ec1', 'ec2', 'ec3']) await machine(['rm', '-y', '--force', name]).catch(() => undefined);
    await fake?.close();
    await fs.rm(store, { recursive: true, force: true });
  });

  it('refuses an instance type EC2 does not know before making anything (exit 3)', async () => {
    const result = await machine(createArgs('ec0', ['--amazonec2-instance-type', 'x9.mega']));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('instance type x9.mega does not exist');
    const snapshot = fake.snapshot();
    expect({ keyPairs: snapshot.keyPairs, instances: snapshot.instances }).toEqual({ keyPairs: [], instances: [] });
  }, 2 * MINUTE);

  it('creates an instance through the SDK, pins the host key from the console, and docker runs a container on it', async () => {
    // Throttling and eventual consistency on the way: both must be absorbed, not reported.
    fake.throttle('DescribeInstances', 2);
    fake.hideNewInstances(2);
    // In the user's own words: `--driver aws` reaches the amazonec2 driver, and the record keeps its name.
    const created = await machine(createArgs('ec1', ['--amazonec2-tags', 'team,e2e', '--amazonec2-root-size', '12'], 'aws'));
    expect({ code: created.code, stderr: created.code === 0 ? '' : created.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(await fs.readFile(path.join(store, 'machines', 'ec1', 'config.json'), 'utf8'))).toMatchObject({ driver: 'amazonec2' });
    expect(created.stderr).toMatch(/host key: the host must present one of SHA256:/);
    expect(fake.requests.filter((r) => r.action === 'DescribeInstances' && r.error === 'RequestLimitExceeded')).toHaveLength(2);
    expect(fake.requests.filter((r) => r.error === 'InvalidInstanceID.NotFound').length).toBeGreaterThan(0);

    const [instance] = instancesOf('ec1');
    expect(instance?.state).toBe('running');
    expect(instance?.tags).toMatchObject({ Name: 'ec1', team: 'e2e', 'machine:name': 'ec1' });
    expect(instance?.metadataOptions).toMatchObject({ httpTokens: 'required' });
    expect(instance?.volumes).toEqual([expect.objectContaining({ size: 12, tags: expect.objectContaining({ 'machine:name': 'ec1', team: 'e2e' }) })]);
    const snapshot = fake.snapshot();
    expect(snapshot.keyPairs.map((k) => k.name)).toEqual([expect.stringMatching(/^machine-ec1-[0-9a-f]{8}$/)]);
    const group = snapshot.securityGroups.find((g) => g.name === 'machine');
    expect(group?.tags['machine:managed']).toBe('true');
    expect(group?.ingress.map((r) => `${r.protocol}:${r.port}:${r.cidr}`).sort()).toEqual(['tcp:22:0.0.0.0/0', 'tcp:2376:0.0.0.0/0']);

    expect((await machine(['url', 'ec1'])).stdout.trim()).toBe(`tcp://${instance?.publicIp}:2376`);
    const imported = await dockerOn(store, 'ec1', `docker import ${busyboxTar} machine-test/busybox:latest >/dev/null && echo ok`);
    expect({ code: imported.code, stderr: imported.stderr, stdout: imported.stdout.trim() }).toEqual({ code: 0, stderr: '', stdout: 'ok' });
    expect((await dockerRun('ec1', 'hello-ec2')).stdout.trim()).toBe('hello-ec2');
  }, 15 * MINUTE);

  it('keeps no credential in the store: not in config.json, not anywhere, not in inspect', async () => {
    const inspect = await machine(['inspect', 'ec1']);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).not.toContain(SECRET_ACCESS_KEY);
    expect(inspect.stdout).not.toContain(ACCESS_KEY_ID);
    const grep = await runShell(store, `grep -rlF -e ${JSON.stringify(SECRET_ACCESS_KEY)} -e ${ACCESS_KEY_ID} ${JSON.stringify(store)} || true`);
    expect(grep.stdout.trim()).toBe('');
    // The store is not merely empty of it: the credentials did reach EC2, signed, from the environment.
    expect(fake.requests.filter((r) => r.action === 'RunInstances' && r.accessKeyId === ACCESS_KEY_ID)).toHaveLength(1);
  });

  it('stop then start: a new public IP, the pinned key follows it, the certificate covers it, files and docker survive', async () => {
    const before = (await machine(['ip', 'ec1'])).stdout.trim();
    expect((await machine(['ssh', 'ec1', '--', 'echo kept > ~/persist.txt && sync'])).code).toBe(0);
    expect((await machine(['stop', 'ec1'])).code).toBe(0);
    expect((await machine(['status', 'ec1'])).stdout.trim()).toBe('Stopped');
    const started = await machine(['start', 'ec1']);
    expect({ code: started.code, stderr: started.code === 0 ? '' : started.stderr }).toEqual({ code: 0, stderr: '' });
    const after = (await machine(['ip', 'ec1'])).stdout.trim();
    expect(after).not.toBe(before);
    expect((await machine(['url', 'ec1'])).stdout.trim()).toBe(`tcp://${after}:2376`);
    expect((await machine(['ssh', 'ec1', '--', 'cat ~/persist.txt'])).stdout.trim()).toBe('kept');
    expect((await dockerRun('ec1', 'after-start')).stdout.trim()).toBe('after-start');
  }, 15 * MINUTE);

  it('start of a machine restarted outside machine (new IP) follows the address and reissues the certificate', async () => {
    const before = (await machine(['ip', 'ec1'])).stdout.trim();
    const [instance] = instancesOf('ec1');
    const ids = { InstanceIds: [instance?.instanceId ?? ''] };
    const client = sdk();
    // What the AWS console does: the record and the certificate still name the old address.
    await client.send(new StopInstancesCommand(ids));
    await waitUntilInstanceStopped({ client, maxWaitTime: 300 }, ids);
    await client.send(new StartInstancesCommand(ids));
    await waitUntilInstanceRunning({ client, maxWaitTime: 300 }, ids);

    const started = await machine(['start', 'ec1']);
    expect({ code: started.code, stderr: started.code === 0 ? '' : started.stderr }).toEqual({ code: 0, stderr: '' });
    expect(started.stdout).toContain('Machine "ec1" is already running. Its address had changed');
    const after = (await machine(['ip', 'ec1'])).stdout.trim();
    expect(after).not.toBe(before);
    expect((await dockerRun('ec1', 'after-outside-restart')).stdout.trim()).toBe('after-outside-restart');
    // Nothing moved this time: start only says so.
    expect((await machine(['start', 'ec1'])).stdout.trim()).toBe('Machine "ec1" is already running.');
  }, 15 * MINUTE);

  it('RunInstances failing after the key pair and security group exist leaves nothing behind', async () => {
    // A server error: the SDK retries it (with the same ClientToken), and it outlasts every attempt.
    fake.failNext('RunInstances', { code: 'InsufficientInstanceCapacity', message: 'We currently do not have sufficient t3.small capacity in the Availability Zone you requested (us-east-1a).', status: 500, times: 3 });
    const before = fake.requests.length;
    const result = await machine(createArgs('ec2', ['--amazonec2-security-group', 'ec2-only', '--amazonec2-retries', '3']));
    const launches = fake.requests.slice(before).filter((r) => r.action === 'RunInstances');
    expect(launches.map((r) => r.error)).toEqual(['InsufficientInstanceCapacity', 'InsufficientInstanceCapacity', 'InsufficientInstanceCapacity']);
    expect(new Set(launches.map((r) => r.params.ClientToken)).size).toBe(1);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('EC2 RunInstances failed: InsufficientInstanceCapacity');
    expect(result.stderr).toMatch(/create host FAILED/);
    expect(result.stderr).toMatch(/roll back done/);
    const snapshot = fake.snapshot();
    expect(snapshot.keyPairs.filter((k) => k.name.startsWith('machine-ec2-'))).toEqual([]);
    expect(snapshot.securityGroups.filter((g) => g.name === 'ec2-only')).toEqual([]);
    expect(instancesOf('ec2')).toEqual([]);
    const ls = JSON.parse((await machine(['ls', '--json'])).stdout) as Array<{ name: string; state: string; errors: string }>;
    expect(ls.find((r) => r.name === 'ec2')).toMatchObject({ state: 'Error', errors: expect.stringContaining('create host: EC2 RunInstances failed: InsufficientInstanceCapacity') });
    expect((await machine(['rm', '-y', 'ec2'])).code).toBe(0);
  }, 5 * MINUTE);

  it('Ctrl-C while the instance boots terminates it and deletes the key pair and group it made', async () => {
    // Pending long enough that the interrupt lands while the SDK's waiter is polling.
    fake.delayRunning(30_000);
    const child = spawn(process.execPath, [machineBin, ...createArgs('ec3', ['--amazonec2-security-group', 'ec3-only', '--json'])], {
      env: { ...process.env, ...awsEnv(), MACHINE_STORAGE_PATH: store },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let interrupted = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // Once the instance exists and create waits for it: the moment a user loses patience.
      if (!interrupted && /"message":"waiting for i-/.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(interrupted).toBe(true);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/"event":"phase-failed","phase":"create host","elapsedMs":\d+,"message":"interrupted while waiting for i-/);
    expect(stderr).toMatch(/"event":"phase-end","phase":"roll back"/);
    const [instance] = instancesOf('ec3');
    expect(instance?.state).toBe('terminated');
    const snapshot = fake.snapshot();
    expect(snapshot.keyPairs.filter((k) => k.name.startsWith('machine-ec3-'))).toEqual([]);
    expect(snapshot.securityGroups.filter((g) => g.name === 'ec3-only')).toEqual([]);
    expect((await machine(['rm', '-y', 'ec3'])).code).toBe(0);
    fake.delayRunning(0);
  }, 10 * MINUTE);

  it('rm of a machine whose instance was terminated elsewhere succeeds, says so, and still cleans the rest', async () => {
    const [instance] = instancesOf('ec1');
    await sdk().send(new TerminateInstancesCommand({ InstanceIds: [instance?.instanceId ?? ''] }));
    const removed = await machine(['rm', '-y', 'ec1']);
    expect({ code: removed.code, stderr: removed.code === 0 ? '' : removed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(removed.stdout).toContain(`instance ${instance?.instanceId} was already gone`);
    const snapshot = fake.snapshot();
    expect(snapshot.keyPairs).toEqual([]);
    expect(snapshot.securityGroups.filter((g) => g.name !== 'default')).toEqual([]);
    expect(JSON.parse((await machine(['ls', '--json'])).stdout)).toEqual([]);
  }, 5 * MINUTE);

  it('answered everything above in elements the SDK reads (nothing the driver saw was silently dropped)', () => {
    expect(fake.requests.filter((r) => r.response).length).toBeGreaterThan(50);
    expect(fake.requests.flatMap((r) => (r.response ? unreadElements(r.action, r.response) : []))).toEqual([]);
  });
});
