import { MachineError } from '../../src/core/errors';
import { StoreLayout } from '../../src/core/store-layout';
import { dockerConfigFlags, dockerEnvUnsetNames, dockerEnvironment, withNoProxyEntry } from '../../src/engine/docker-env';
import { sampleRecord } from '../helpers/tmp-store';

const layout = new StoreLayout('/home/u/.machine');
const record = sampleRecord('dev1');

describe('dockerEnvironment', () => {
  it('sets the four docker variables', () => {
    expect(dockerEnvironment(record, layout, { noProxy: false, currentEnv: {} })).toEqual({
      set: [
        ['DOCKER_TLS_VERIFY', '1'],
        ['DOCKER_HOST', 'tcp://203.0.113.5:2376'],
        ['DOCKER_CERT_PATH', '/home/u/.machine/machines/dev1'],
        ['DOCKER_MACHINE_NAME', 'dev1'],
      ],
      unset: [],
    });
  });

  it('points at the ssh:// alias for the ssh transport, removing TLS variables another machine left', () => {
    const sshOnly = sampleRecord('dev2', { engine: { ...record.engine, transport: 'ssh' } });
    expect(dockerEnvironment(sshOnly, layout, { noProxy: true, currentEnv: {} })).toEqual({
      set: [
        ['DOCKER_HOST', 'ssh://machine-dev2'],
        ['DOCKER_MACHINE_NAME', 'dev2'],
      ],
      unset: ['DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH'],
    });
    expect(dockerConfigFlags(sshOnly, layout)).toBe('-H=ssh://machine-dev2');
  });

  it('uses the forwarded endpoint when the record has one', () => {
    const local = sampleRecord('vm1', { dockerEndpoint: { host: '127.0.0.1', port: 49153 } });
    expect(dockerEnvironment(local, layout, { noProxy: true, currentEnv: {} }).set.slice(1)).toEqual([
      ['DOCKER_HOST', 'tcp://127.0.0.1:49153'],
      ['DOCKER_CERT_PATH', '/home/u/.machine/machines/vm1'],
      ['DOCKER_MACHINE_NAME', 'vm1'],
      ['NO_PROXY', '127.0.0.1'],
    ]);
  });

  it.each([
    [{}, ['NO_PROXY', '203.0.113.5']],
    [{ NO_PROXY: 'localhost,.corp' }, ['NO_PROXY', 'localhost,.corp,203.0.113.5']],
    [{ no_proxy: 'localhost', NO_PROXY: 'other' }, ['no_proxy', 'localhost,203.0.113.5']],
    [{ NO_PROXY: 'localhost,203.0.113.5' }, ['NO_PROXY', 'localhost,203.0.113.5']],
    [{ NO_PROXY: '203.0.113.50' }, ['NO_PROXY', '203.0.113.50,203.0.113.5']],
  ] as const)('with --no-proxy and %j adds %j', (currentEnv, expected) => {
    const { set } = dockerEnvironment(record, layout, { noProxy: true, currentEnv });
    expect(set[4]).toEqual(expected);
  });

  it('adds an IPv6 address without brackets', () => {
    const v6 = sampleRecord('v6', { ip: '2001:db8::5' });
    const { set } = dockerEnvironment(v6, layout, { noProxy: true, currentEnv: {} });
    expect(set[1]).toEqual(['DOCKER_HOST', 'tcp://[2001:db8::5]:2376']);
    expect(set[4]).toEqual(['NO_PROXY', '2001:db8::5']);
  });

  it('fails with NO_ADDRESS for a machine without an address', () => {
    const bare = sampleRecord('new1', { ip: undefined });
    expect(() => dockerEnvironment(bare, layout, { noProxy: false, currentEnv: {} })).toThrow(expect.objectContaining({ code: 'NO_ADDRESS' }) as MachineError);
  });
});

describe('withNoProxyEntry', () => {
  it('compares whole entries, trims, and tolerates a trailing comma', () => {
    expect(withNoProxyEntry(' a , 10.0.0.1 ', '10.0.0.1')).toBe(' a , 10.0.0.1 ');
    expect(withNoProxyEntry('a,', 'b')).toBe('a,b');
    expect(withNoProxyEntry('', 'b')).toBe('b');
    expect(withNoProxyEntry('Host.Example', 'host.example')).toBe('Host.Example');
  });
});

describe('dockerEnvUnsetNames', () => {
  it('names the docker variables, and the no_proxy variable in use with --no-proxy (the name only)', () => {
    expect(dockerEnvUnsetNames(false, {})).toEqual(['DOCKER_TLS_VERIFY', 'DOCKER_HOST', 'DOCKER_CERT_PATH', 'DOCKER_MACHINE_NAME']);
    expect(dockerEnvUnsetNames(true, { NO_PROXY: 'a,b' })).toEqual(['DOCKER_TLS_VERIFY', 'DOCKER_HOST', 'DOCKER_CERT_PATH', 'DOCKER_MACHINE_NAME', 'NO_PROXY']);
    expect(dockerEnvUnsetNames(true, { no_proxy: 'a' })).toContain('no_proxy');
  });
});

describe('dockerConfigFlags', () => {
  it('prints the docker CLI flags, one a line', () => {
    expect(dockerConfigFlags(record, layout)).toBe(
      [
        '--tlsverify',
        '--tlscacert="/home/u/.machine/machines/dev1/ca.pem"',
        '--tlscert="/home/u/.machine/machines/dev1/cert.pem"',
        '--tlskey="/home/u/.machine/machines/dev1/key.pem"',
        '-H=tcp://203.0.113.5:2376',
      ].join('\n'),
    );
  });
});
