import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { genericDriver } from '../../../drivers/generic';
import { amazonec2Driver } from '../../../drivers/amazonec2';
import { MachineApp } from '../../../src/services/app';
import { importDockerMachineStore } from '../../../src/services/import/import-docker-machine';
import { withSession } from '../../../src/services/ssh-access';
import { makeTempDir, sampleRecord } from '../../helpers/tmp-store';
import { startSshd, type SshdFixture } from '../../ssh/sshd-fixture';
import { DockerMachineStoreFixture, ec2HostConfig, genericHostConfig, virtualboxHostConfig } from './docker-machine-store-fixture';


describe('importing a docker-machine 0.16 store', () => {
  let sshd: SshdFixture;
  let source: DockerMachineStoreFixture;
  let storeRoot: string;

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd.stop();
  });
  beforeEach(async () => {
    source = new DockerMachineStoreFixture(await makeTempDir('docker-machine-'));
    await source.writeCertificates();
    storeRoot = await makeTempDir('machine-store-');
  });

  const app = () => new MachineApp(storeRoot);

  it('adopts a generic machine: its record reads back, its certificates are kept, its host key is pinned at the first connection', async () => {
    await source.writeMachine('gen1', genericHostConfig(source.root, 'gen1', { ip: '127.0.0.1', user: sshd.user, port: sshd.port }), {
      sans: ['IP:127.0.0.1'],
      sshKeyFrom: sshd.clientKeyPath,
    });

    const [outcome] = await importDockerMachineStore(app(), source.root, { pinHostKeys: true });

    expect(outcome).toMatchObject({ name: 'gen1', driver: 'generic', imported: true, certificatesKept: true, hostKeyPinned: true, secretsSkipped: [] });
    const record = await app().store.load('gen1');
    expect(genericDriver.readConfig(record.driverConfig)).toEqual({
      ipAddress: '127.0.0.1',
      sshUser: sshd.user,
      sshPort: sshd.port,
      sshKeyPath: path.join(storeRoot, 'machines', 'gen1', 'id_ed25519'),
      enginePort: 2376,
    });
    expect(record.engine).toMatchObject({ install: 'docker', port: 2376, labels: ['team=infra'], opts: ['log-level=debug'], env: ['HTTP_PROXY=http://proxy.internal:3128'] });
    for (const file of ['ca.pem', 'cert.pem', 'key.pem', 'server.pem', 'server-key.pem']) {
      const from = file.startsWith('server') ? source.machineDir('gen1') : source.certsDir;
      expect(await fs.readFile(path.join(storeRoot, 'machines', 'gen1', file), 'utf8')).toBe(await fs.readFile(path.join(from, file), 'utf8'));
    }
    const pinned = await fs.readFile(path.join(storeRoot, 'machines', 'gen1', 'known_hosts'), 'utf8');
    expect(pinned).toContain(`[127.0.0.1]:${sshd.port}`);
    // Every later command connects strictly: the pin and the copied key must be enough.
    const answer = await withSession(app(), record, (session) => session.exec('echo imported'), 'strict');
    expect(answer.stdout.trim()).toBe('imported');
  });

  it('adopts an amazonec2 machine with its instance and key pair, reports the plaintext credentials and copies them nowhere', async () => {
    const secrets = { accessKey: 'AKIAEXAMPLEACCESS01', secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLESECRET' };
    await source.writeMachine('aws1', ec2HostConfig(source.root, 'aws1', secrets), { sans: ['IP:198.51.100.7'], sshKeyFrom: sshd.clientKeyPath });

    const [outcome] = await importDockerMachineStore(app(), source.root, { pinHostKeys: false });

    expect(outcome).toMatchObject({ name: 'aws1', driver: 'amazonec2', imported: true, certificatesKept: true, secretsSkipped: ['AccessKey', 'SecretKey'] });
    expect(outcome.imported && outcome.notes.join('\n')).toMatch(/plaintext AccessKey, SecretKey .* not copied/);
    const record = await app().store.load('aws1');
    const config = amazonec2Driver.readConfig(record.driverConfig);
    expect(config).toMatchObject({
      region: 'eu-west-1',
      zone: 'b',
      ami: 'ami-0a1b2c3d4e5f60718',
      instanceType: 't2.micro',
      vpcId: 'vpc-0a1b2c3d',
      subnetId: 'subnet-0a1b2c3d',
      securityGroup: 'docker-machine',
      openPorts: [{ port: 8080, protocol: 'tcp' }, { port: 53, protocol: 'udp' }],
      tags: { team: 'infra', env: 'dev' },
      sshUser: 'ubuntu',
      spotPrice: '0.50',
      maxAttempts: 5,
    });
    expect(record.driverState).toEqual({ instanceId: 'i-0123456789abcdef0', amiId: 'ami-0a1b2c3d4e5f60718', vpcId: 'vpc-0a1b2c3d', subnetId: 'subnet-0a1b2c3d' });
    expect(record.resources).toEqual([
      { kind: 'ec2-instance', id: 'i-0123456789abcdef0', attributes: { region: 'eu-west-1' } },
      { kind: 'ec2-key-pair', id: 'aws1', attributes: { region: 'eu-west-1' } },
    ]);
    expect(record.ip).toBe('198.51.100.7');
    for (const file of await filesUnder(storeRoot)) {
      const text = await fs.readFile(file, 'utf8');
      expect(text).not.toContain(secrets.accessKey);
      expect(text).not.toContain(secrets.secretKey);
    }
  });

  it('keeps no certificate that cannot serve the machine as it is, and says to regenerate them', async () => {
    await source.writeMachine('moved', genericHostConfig(source.root, 'moved', { ip: '127.0.0.1', user: sshd.user, port: sshd.port }), {
      sans: ['IP:192.0.2.44'],
      sshKeyFrom: sshd.clientKeyPath,
    });

    const [outcome] = await importDockerMachineStore(app(), source.root, { pinHostKeys: false });

    expect(outcome).toMatchObject({ imported: true, certificatesKept: false });
    expect(outcome.imported && outcome.notes[0]).toMatch(/does not name 127\.0\.0\.1.*machine regenerate-certs --force moved/);
    await expect(fs.access(path.join(storeRoot, 'machines', 'moved', 'server.pem'))).rejects.toThrow();
    await expect(fs.access(path.join(storeRoot, 'machines', 'moved', 'ca.pem'))).rejects.toThrow();
  });

  it('lists other drivers and taken names as skipped, with the reason, and imports the rest', async () => {
    await source.writeMachine('vbox', virtualboxHostConfig(source.root, 'vbox'));
    await source.writeMachine('taken', genericHostConfig(source.root, 'taken', { ip: '127.0.0.1', user: sshd.user, port: sshd.port }), { sans: ['IP:127.0.0.1'], sshKeyFrom: sshd.clientKeyPath });
    await source.writeMachine('zfree', genericHostConfig(source.root, 'zfree', { ip: '127.0.0.1', user: sshd.user, port: sshd.port }), { sans: ['IP:127.0.0.1'], sshKeyFrom: sshd.clientKeyPath });
    await app().store.reserve(sampleRecord('taken'));

    const outcomes = await importDockerMachineStore(app(), source.root, { pinHostKeys: false });

    expect(outcomes.map((o) => [o.name, o.imported])).toEqual([['taken', false], ['vbox', false], ['zfree', true]]);
    expect(outcomes[0]).toMatchObject({ reason: 'a machine named "taken" already exists in this store' });
    expect(outcomes[1]).toMatchObject({ driver: 'virtualbox', reason: expect.stringContaining('the virtualbox driver is not one machine can import') });
    expect((await app().store.load('taken')).ip).toBe('203.0.113.5');
  });

  it('refuses a folder that is not a docker-machine store', async () => {
    await expect(importDockerMachineStore(app(), path.join(storeRoot, 'nothing-here'), { pinHostKeys: false })).rejects.toThrow(/cannot be read as a docker-machine store/);
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? e.path, e.name));
}
