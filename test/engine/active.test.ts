import { findActiveMachine, normalizeDockerHost } from '../../src/engine/active';
import { sampleRecord } from '../helpers/tmp-store';

const records = [
  sampleRecord('dev1'),
  sampleRecord('vm1', { ip: '10.0.2.15', dockerEndpoint: { host: '127.0.0.1', port: 49153 } }),
  sampleRecord('v6', { ip: '2001:db8::5' }),
  sampleRecord('named', { ip: 'Docker.Example.com' }),
  sampleRecord('new1', { ip: undefined }),
];

describe('findActiveMachine', () => {
  it.each([
    ['tcp://203.0.113.5:2376', 'dev1'],
    [' tcp://203.0.113.5:2376/ ', 'dev1'],
    ['203.0.113.5:2376', 'dev1'],
    ['tcp://203.0.113.5', 'dev1'],
    ['tcp://127.0.0.1:49153', 'vm1'],
    ['tcp://[2001:DB8:0::5]:2376', 'v6'],
    ['tcp://docker.example.COM:2376', 'named'],
  ])('DOCKER_HOST=%s is %s', (dockerHost, expected) => {
    expect(findActiveMachine(records, dockerHost)).toBe(expected);
  });

  it.each([undefined, '', 'unix:///var/run/docker.sock', 'ssh://user@203.0.113.5', 'tcp://203.0.113.5:2375', 'tcp://10.0.2.15:2376'])('DOCKER_HOST=%s is no machine', (dockerHost) => {
    expect(findActiveMachine(records, dockerHost)).toBeUndefined();
  });
});

describe('normalizeDockerHost', () => {
  it('keeps a port 80 that URL parsing would drop', () => {
    expect(normalizeDockerHost('tcp://example.com:80')).toBe('example.com:80');
  });
  it('rejects garbage', () => {
    expect(normalizeDockerHost('tcp://')).toBeUndefined();
    expect(normalizeDockerHost('tcp://a b:1')).toBeUndefined();
  });
});
