import { findActiveMachine, findMachineAtHost, normalizeDockerHost } from '../../src/engine/active';
import { dockerSelection } from '../../src/engine/docker-config';
import { sampleRecord } from '../helpers/tmp-store';

const records = [
  sampleRecord('dev1'),
  sampleRecord('vm1', { ip: '10.0.2.15', dockerEndpoint: { host: '127.0.0.1', port: 49153 } }),
  sampleRecord('v6', { ip: '2001:db8::5' }),
  sampleRecord('named', { ip: 'Docker.Example.com' }),
  sampleRecord('new1', { ip: undefined }),
];

describe('findMachineAtHost', () => {
  it.each([
    ['tcp://203.0.113.5:2376', 'dev1'],
    [' tcp://203.0.113.5:2376/ ', 'dev1'],
    ['203.0.113.5:2376', 'dev1'],
    ['tcp://203.0.113.5', 'dev1'],
    ['tcp://127.0.0.1:49153', 'vm1'],
    ['tcp://[2001:DB8:0::5]:2376', 'v6'],
    ['tcp://docker.example.COM:2376', 'named'],
  ])('DOCKER_HOST=%s is %s', (dockerHost, expected) => {
    expect(findMachineAtHost(records, dockerHost)).toBe(expected);
  });

  it.each([undefined, '', 'unix:///var/run/docker.sock', 'ssh://user@203.0.113.5', 'tcp://203.0.113.5:2375', 'tcp://10.0.2.15:2376'])('DOCKER_HOST=%s is no machine', (dockerHost) => {
    expect(findMachineAtHost(records, dockerHost)).toBeUndefined();
  });
});

describe('findActiveMachine: by DOCKER_HOST, else by the docker context, as the docker CLI chooses', () => {
  const active = (env: NodeJS.ProcessEnv, currentContext?: string) => findActiveMachine(records, dockerSelection(env, currentContext));

  it('finds the machine whose context is current in config.json', () => {
    expect(active({}, 'machine-vm1')).toBe('vm1');
  });
  it('finds the machine DOCKER_CONTEXT names, over config.json', () => {
    expect(active({ DOCKER_CONTEXT: 'machine-v6' }, 'machine-vm1')).toBe('v6');
  });
  it('DOCKER_HOST wins over both, as it does in the docker CLI', () => {
    expect(active({ DOCKER_HOST: 'tcp://203.0.113.5:2376', DOCKER_CONTEXT: 'machine-v6' }, 'machine-vm1')).toBe('dev1');
    expect(active({ DOCKER_HOST: 'unix:///var/run/docker.sock' }, 'machine-vm1')).toBeUndefined();
  });
  it('an empty DOCKER_HOST or DOCKER_CONTEXT counts as unset', () => {
    expect(active({ DOCKER_HOST: '', DOCKER_CONTEXT: '' }, 'machine-dev1')).toBe('dev1');
  });
  it.each([
    [{}, undefined],
    [{}, 'default'],
    [{ DOCKER_CONTEXT: 'default' }, 'machine-dev1'],
    [{}, 'colima'],
    [{}, 'machine-gone'],
    [{}, 'machine-'],
    [{}, 'dev1'],
  ])('%j with current context %s is no machine', (env, current) => {
    expect(active(env, current)).toBeUndefined();
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
