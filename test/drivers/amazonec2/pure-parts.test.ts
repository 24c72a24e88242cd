import { pickUbuntuLts, ubuntuNamePattern } from '../../../drivers/amazonec2/ami';
import { ec2ConfigFromFlags } from '../../../drivers/amazonec2/config';
import { hostKeysFromConsole } from '../../../src/ssh/console-host-keys';
import type { ImageInfo } from '../../../drivers/amazonec2/ec2-port';
import { launchSpec } from '../../../drivers/amazonec2/launch-spec';
import { missingIngress, wantedIngress } from '../../../drivers/amazonec2/security-group-rules';

const image = (name: string, creationDate: string, architecture = 'x86_64'): ImageInfo => ({ imageId: `ami-${name.length}${creationDate.slice(0, 4)}`, name, architecture, creationDate, rootDeviceName: '/dev/sda1' });

describe('Ubuntu LTS choice', () => {
  const images = [
    image('ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20250101', '2025-01-01T00:00:00Z'),
    image('ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250115', '2025-01-15T00:00:00Z'),
    image('ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20251010', '2025-10-10T00:00:00Z'),
    image('ubuntu/images/hvm-ssd-gp3/ubuntu-plucky-25.04-amd64-server-20251001', '2025-10-01T00:00:00Z'),
    image('ubuntu/images/hvm-ssd-gp3/ubuntu-questing-25.10-amd64-server-20251101', '2025-11-01T00:00:00Z'),
    image('ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20251111', '2025-11-11T00:00:00Z', 'arm64'),
  ];

  it('takes the newest build of the newest LTS, skipping interim releases and other architectures', () => {
    expect(pickUbuntuLts(images, 'x86_64')?.name).toBe('ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20251010');
    const withNext = [...images, image('ubuntu/images/hvm-ssd-gp3/ubuntu-resolute-26.04-amd64-server-20260601', '2026-06-01T00:00:00Z')];
    expect(pickUbuntuLts(withNext, 'x86_64')?.name).toContain('26.04');
    expect(pickUbuntuLts(images, 'arm64')?.name).toContain('arm64');
    expect(pickUbuntuLts(images.slice(3, 5), 'x86_64')).toBeUndefined();
  });

  it('asks EC2 for server images of the architecture only', () => {
    expect(ubuntuNamePattern('x86_64')).toBe('ubuntu/images/hvm-ssd*/ubuntu-*-amd64-server-*');
    expect(ubuntuNamePattern('arm64')).toBe('ubuntu/images/hvm-ssd*/ubuntu-*-arm64-server-*');
  });
});

describe('host keys on the console', () => {
  const ed = `SHA256:${'b'.repeat(43)}`;
  const ecdsa = `SHA256:${'C1+/'.repeat(10)}abc`;
  const block = (keys: string[]) => ['-----BEGIN SSH HOST KEY FINGERPRINTS-----', ...keys.map((k) => `256 ${k} root@host (X)`), '-----END SSH HOST KEY FINGERPRINTS-----'].join('\n');

  it('reads every fingerprint of the last complete block', () => {
    expect(hostKeysFromConsole(`noise\n${block([ed, ecdsa])}\nmore`).fingerprints).toEqual([ed, ecdsa]);
    expect(hostKeysFromConsole(`${block([`SHA256:${'z'.repeat(43)}`])}\nreboot\n${block([ed])}`).fingerprints).toEqual([ed]);
  });

  it('ignores a block cut off before its end, and notices cloud-init finishing', () => {
    expect(hostKeysFromConsole(block([ed]).split('\n').slice(0, 2).join('\n'))).toEqual({ fingerprints: [], finished: false });
    expect(hostKeysFromConsole('Cloud-init v. 24.1 finished at Tue').finished).toBe(true);
  });
});

describe('RunInstances request', () => {
  const chosen = { machineName: 'dev1', image: image('ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20251010', '2025'), subnetId: 'subnet-1', securityGroupIds: ['sg-1'], keyName: 'machine-dev1-abcd', clientToken: 'dev1-token' };

  it('tags instance, volumes and interface alike, requires IMDSv2 and roots on the AMI device', () => {
    const spec = launchSpec(ec2ConfigFromFlags({ 'amazonec2-tags': 'team,infra,Name,custom' }, {}), chosen);
    expect(spec.tags).toEqual({ Name: 'custom', team: 'infra', 'machine:name': 'dev1', 'machine:launch': 'dev1-token' });
    expect(spec.metadata).toEqual({ tokens: 'required', hopLimit: 1 });
    expect(spec.rootDevice).toEqual({ name: '/dev/sda1', sizeGb: 16, volumeType: 'gp3', encrypted: false });
    expect(spec.associatePublicIp).toBe(true);
    expect(spec.spot).toBeUndefined();
    expect(spec.clientToken).toBe('dev1-token');
  });

  it('carries spot, encryption, profile and user data', () => {
    const config = ec2ConfigFromFlags({ 'amazonec2-request-spot-instance': true, 'amazonec2-spot-price': '0.04', 'amazonec2-kms-key': 'alias/k', 'amazonec2-iam-instance-profile': 'arn:aws:iam::1:instance-profile/p' }, {});
    const spec = launchSpec(config, { ...chosen, userData: '#cloud-config\n' });
    expect(spec.spot).toEqual({ maxPrice: '0.04' });
    expect(spec.rootDevice).toMatchObject({ encrypted: true, kmsKeyId: 'alias/k' });
    expect(spec.iamInstanceProfile).toEqual({ arn: 'arn:aws:iam::1:instance-profile/p' });
    expect(spec.userData).toBe('#cloud-config\n');
    expect(launchSpec(ec2ConfigFromFlags({ 'amazonec2-iam-instance-profile': 'builder' }, {}), chosen).iamInstanceProfile).toEqual({ name: 'builder' });
  });
});

describe('security group rules', () => {
  it('opens SSH, the engine and extra ports to every allowed CIDR once', () => {
    const config = ec2ConfigFromFlags({ 'amazonec2-allowed-cidr': ['203.0.113.0/24', '198.51.100.0/24'], 'amazonec2-open-port': ['80', '22'] }, {});
    const rules = wantedIngress(config).map((r) => `${r.protocol}:${r.port}:${r.cidr}`);
    expect(rules).toEqual(['tcp:22:203.0.113.0/24', 'tcp:2376:203.0.113.0/24', 'tcp:80:203.0.113.0/24', 'tcp:22:198.51.100.0/24', 'tcp:2376:198.51.100.0/24', 'tcp:80:198.51.100.0/24']);
    const group = { groupId: 'sg-1', groupName: 'machine', vpcId: 'vpc-1', tags: {}, ingress: ['tcp:22:203.0.113.0/24', 'tcp:2376:203.0.113.0/24'] };
    expect(missingIngress(group, wantedIngress(config)).map((r) => r.port)).toEqual([80, 22, 2376, 80]);
  });

  it('opens no engine port when the engine is reached through SSH only', () => {
    const config = ec2ConfigFromFlags({ 'amazonec2-allowed-cidr': ['203.0.113.0/24'] }, {});
    expect(wantedIngress(config, false).map((r) => `${r.protocol}:${r.port}:${r.cidr}`)).toEqual(['tcp:22:203.0.113.0/24']);
  });
});
