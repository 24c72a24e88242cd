import { MachineError } from '../../src/core/errors';
import { classifySubjectAltName, serverSubjectAltNames } from '../../src/tls/subject-alt-names';

describe('serverSubjectAltNames', () => {
  it('always adds localhost, 127.0.0.1 and the machine name', () => {
    expect(serverSubjectAltNames('dev1', [])).toEqual({ ips: ['127.0.0.1'], dns: ['localhost', 'dev1'] });
  });

  it('classifies IPv4, IPv6 and DNS names and removes duplicates, whatever their spelling', () => {
    const names = serverSubjectAltNames('dev1', ['203.0.113.5', '2001:DB8::5', 'Docker.Example.com.', '203.0.113.5', '2001:db8:0::5', 'docker.example.com', '127.0.0.1', 'DEV1', ' ']);
    expect(names).toEqual({ ips: ['203.0.113.5', '2001:db8::5', '127.0.0.1'], dns: ['docker.example.com', 'dev1', 'localhost'] });
  });

  it('takes a machine name that is itself an IP as an IP', () => {
    expect(serverSubjectAltNames('10.1.2.3', [])).toEqual({ ips: ['127.0.0.1', '10.1.2.3'], dns: ['localhost'] });
  });
});

describe('classifySubjectAltName', () => {
  it('accepts wildcards and underscores in DNS names', () => {
    expect(classifySubjectAltName('*.Example.com')).toEqual({ kind: 'dns', value: '*.example.com' });
    expect(classifySubjectAltName('my_host')).toEqual({ kind: 'dns', value: 'my_host' });
  });

  it.each(['https://docker.example.com', 'bad name', 'a..b', '-lead.example.com', 'x'.repeat(64)])('refuses %p with a usage error', (name) => {
    let thrown: unknown;
    try {
      classifySubjectAltName(name);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(MachineError);
    expect(thrown).toMatchObject({ code: 'TLS_INVALID_SAN', exit: 2 });
    expect((thrown as MachineError).suggestions.join(' ')).toMatch(/--tls-san/);
  });
});
