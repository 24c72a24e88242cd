import { ec2ConfigFromFlags } from '../../../drivers/amazonec2/config';
import { UsageError } from '../../../src/core/errors';

describe('amazonec2 config', () => {
  it('has docker-machine-like defaults with modern choices and no secret', () => {
    const config = ec2ConfigFromFlags({}, {});
    expect(config).toEqual({
      region: 'us-east-1',
      zone: 'a',
      instanceType: 't3.small',
      securityGroup: 'machine',
      allowedCidrs: ['0.0.0.0/0'],
      openPorts: [],
      rootSizeGb: 16,
      volumeType: 'gp3',
      encryptEbs: false,
      tags: {},
      sshUser: 'ubuntu',
      privateAddressOnly: false,
      usePrivateAddress: false,
      spot: false,
      metadataTokens: 'required',
      metadataHopLimit: 1,
      monitoring: false,
      ebsOptimized: false,
      maxAttempts: 8,
      enginePort: 2376,
    });
  });

  it('takes the region from AWS_REGION when the flag (or AWS_DEFAULT_REGION) is absent', () => {
    expect(ec2ConfigFromFlags({}, { AWS_REGION: 'eu-west-3' }).region).toBe('eu-west-3');
    expect(ec2ConfigFromFlags({ 'amazonec2-region': 'ap-southeast-2' }, { AWS_REGION: 'eu-west-3' }).region).toBe('ap-southeast-2');
  });

  it.each(['amazonec2-access-key', 'amazonec2-secret-key', 'amazonec2-session-token'])('refuses --%s, naming the environment variable instead', (flag) => {
    expect(() => ec2ConfigFromFlags({ [flag]: 'AKIAEXAMPLE' }, {})).toThrow(UsageError);
    try {
      ec2ConfigFromFlags({ [flag]: 'AKIAEXAMPLE' }, {});
    } catch (err) {
      expect((err as UsageError).suggestions.join('\n')).toMatch(/AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)/);
    }
  });

  it('parses tags as key,value pairs and keeps our prefixes to ourselves', () => {
    expect(ec2ConfigFromFlags({ 'amazonec2-tags': 'team,infra,env,dev' }, {}).tags).toEqual({ team: 'infra', env: 'dev' });
    expect(() => ec2ConfigFromFlags({ 'amazonec2-tags': 'team,infra,env' }, {})).toThrow(/even number/);
    expect(() => ec2ConfigFromFlags({ 'amazonec2-tags': 'machine:name,x' }, {})).toThrow(/reserved prefix/);
    expect(() => ec2ConfigFromFlags({ 'amazonec2-tags': 'aws:foo,x' }, {})).toThrow(/reserved prefix/);
  });

  it('validates CIDRs, ports, ids and prices', () => {
    expect(ec2ConfigFromFlags({ 'amazonec2-allowed-cidr': ['203.0.113.0/24', '198.51.100.7/32,203.0.113.0/24'] }, {}).allowedCidrs).toEqual(['203.0.113.0/24', '198.51.100.7/32']);
    expect(() => ec2ConfigFromFlags({ 'amazonec2-allowed-cidr': ['203.0.113.0'] }, {})).toThrow(/IPv4 CIDR/);
    expect(() => ec2ConfigFromFlags({ 'amazonec2-allowed-cidr': ['300.0.0.0/8'] }, {})).toThrow(/IPv4 CIDR/);
    expect(ec2ConfigFromFlags({ 'amazonec2-open-port': ['80', '53/udp'] }, {}).openPorts).toEqual([{ port: 80, protocol: 'tcp' }, { port: 53, protocol: 'udp' }]);
    expect(() => ec2ConfigFromFlags({ 'amazonec2-open-port': ['70000'] }, {})).toThrow(/PORT/);
    expect(() => ec2ConfigFromFlags({ 'amazonec2-ami': 'ubuntu' }, {})).toThrow(/AMI id/);
    expect(() => ec2ConfigFromFlags({ 'amazonec2-subnet-id': 'sub-1' }, {})).toThrow(/subnet id/);
    expect(() => ec2ConfigFromFlags({ 'amazonec2-zone': 'us-east-1a' }, {})).toThrow(/zone letter/);
    expect(() => ec2ConfigFromFlags({ 'amazonec2-spot-price': '0.05' }, {})).toThrow(/needs --amazonec2-request-spot-instance/);
    expect(() => ec2ConfigFromFlags({ 'amazonec2-request-spot-instance': true, 'amazonec2-spot-price': 'cheap' }, {})).toThrow(/price/);
    expect(() => ec2ConfigFromFlags({ 'amazonec2-security-group': 'sg-12345678' }, {})).toThrow(/group name/);
    expect(() => ec2ConfigFromFlags({ 'amazonec2-endpoint': 'localhost:4566' }, {})).toThrow(/http\(s\) URL/);
  });

  it('derives what follows from other flags', () => {
    const config = ec2ConfigFromFlags({ 'amazonec2-private-address-only': true, 'amazonec2-kms-key': 'alias/ebs', 'amazonec2-userdata': 'cloud.yaml' }, {}, '/home/me');
    expect(config.usePrivateAddress).toBe(true);
    expect(config.encryptEbs).toBe(true);
    expect(config.userdataPath).toBe('/home/me/cloud.yaml');
  });
});
