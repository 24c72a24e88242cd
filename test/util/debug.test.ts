import { captureDebugLines } from '../helpers/debug-capture';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { debugPatternSelects, enabledDebugAreas, formatDebugLine, redact } from '../../src/util/debug';

describe('which debug areas are on', () => {
  it('is off with no flag and no variables', () => {
    expect([...enabledDebugAreas({})]).toEqual([]);
    expect([...enabledDebugAreas({ MACHINE_DEBUG: '0', DEBUG: '' })]).toEqual([]);
    expect([...enabledDebugAreas({ MACHINE_DEBUG: 'false' })]).toEqual([]);
  });

  it('turns every area on with --debug or MACHINE_DEBUG', () => {
    expect([...enabledDebugAreas({}, true)]).toEqual(['cli', 'ssh', 'api', 'retry']);
    expect([...enabledDebugAreas({ MACHINE_DEBUG: '1' })]).toEqual(['cli', 'ssh', 'api', 'retry']);
    expect([...enabledDebugAreas({ MACHINE_DEBUG: 'true', DEBUG: '-machine:ssh' })]).toHaveLength(4);
  });

  it('reads DEBUG as the debug package does: globs, lists, exclusions', () => {
    expect([...enabledDebugAreas({ DEBUG: 'machine:*' })]).toEqual(['cli', 'ssh', 'api', 'retry']);
    expect([...enabledDebugAreas({ DEBUG: '*' })]).toHaveLength(4);
    expect([...enabledDebugAreas({ DEBUG: 'machine:ssh' })]).toEqual(['ssh']);
    expect([...enabledDebugAreas({ DEBUG: 'express:*, machine:api machine:retry' })]).toEqual(['api', 'retry']);
    expect([...enabledDebugAreas({ DEBUG: 'machine:*,-machine:ssh' })]).toEqual(['cli', 'api', 'retry']);
    expect([...enabledDebugAreas({ DEBUG: '-machine:ssh,machine:*' })]).toEqual(['cli', 'api', 'retry']);
    expect([...enabledDebugAreas({ DEBUG: 'machine' })]).toEqual([]);
    expect([...enabledDebugAreas({ DEBUG: 'oclif:*' })]).toEqual([]);
  });

  it('matches globs whole, with regular-expression characters taken literally', () => {
    expect(debugPatternSelects('machine:s*', 'machine:ssh')).toBe(true);
    expect(debugPatternSelects('machine.ssh', 'machine:ssh')).toBe(false);
    expect(debugPatternSelects('machine:ss', 'machine:ssh')).toBe(false);
    expect(debugPatternSelects('*:ssh', 'machine:ssh')).toBe(true);
  });
});

describe('a debug line', () => {
  it('carries the time, the elapsed milliseconds, the area and the message, redacted', () => {
    const line = formatDebugLine('ssh', 'exec `export DOCKER_TOKEN=abc; id -u`', new Date('2024-05-06T07:08:09.010Z'), 1234.4);
    expect(line).toBe('2024-05-06T07:08:09.010Z +1234ms machine:ssh exec `export DOCKER_TOKEN=[redacted]; id -u`\n');
  });
});

describe('redact', () => {
  it('removes private keys and other PEM blocks, even one cut off before its end', () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----';
    expect(redact(`write ${key} done`)).toBe('write [redacted openssh private key] done');
    expect(redact('key: -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA')).toBe('key: [redacted rsa private key]');
    expect(redact('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----')).toBe(
      '[redacted certificate]\n[redacted ec private key]',
    );
  });

  it.each([
    ['password=hunter2 next', 'password=[redacted] next'],
    ['db_password: "hunter 2", user: "bob"', 'db_password: [redacted], user: "bob"'],
    ['{"Password":"hunter2","User":"bob"}', '{"Password":[redacted],"User":"bob"}'],
    ["export REGISTRY_TOKEN='a b c'; docker login", 'export REGISTRY_TOKEN=[redacted]; docker login'],
    ['AWS_SECRET_ACCESS_KEY=abc/def+ghi', 'AWS_SECRET_ACCESS_KEY=[redacted]'],
    ['?X-Amz-Security-Token=FwoGZX&X-Amz-Signature=9f8e&X-Amz-Date=2024', '?X-Amz-Security-Token=[redacted]&X-Amz-Signature=[redacted]&X-Amz-Date=2024'],
    ['login --password hunter2 --user bob', 'login --password [redacted] --user bob'],
    ['create --amazonec2-access-key AKIAEXAMPLE --amazonec2-session-token=tok x', 'create --amazonec2-access-key [redacted] --amazonec2-session-token=[redacted] x'],
    ['AWS_ACCESS_KEY_ID=AKIAEXAMPLE aws', 'AWS_ACCESS_KEY_ID=[redacted] aws'],
    ['login --password-stdin --user bob', 'login --password-stdin --user bob'],
    ['api_key=k1 apikey=k2 secret:s3', 'api_key=[redacted] apikey=[redacted] secret:[redacted]'],
  ])('removes a secret value: %s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('removes Authorization headers to the end of the line or the closing quote', () => {
    expect(redact('Authorization: AWS4-HMAC-SHA256 Credential=AKIAX/20240101/eu-west-1/ec2/aws4_request, Signature=abc\nHost: ec2')).toBe(
      'Authorization: [redacted]\nHost: ec2',
    );
    expect(redact('{"authorization":"Bearer eyJhbGc","host":"x"}')).toBe('{"authorization":[redacted],"host":"x"}');
    expect(redact('proxy-authorization: Basic dXNlcjpwYXNz')).toBe('proxy-authorization: [redacted]');
  });

  it('removes the password of a URL and keeps the user and host', () => {
    expect(redact('HTTPS_PROXY=http://bob:s3cret@proxy.internal:3128 curl')).toBe('HTTPS_PROXY=http://bob:[redacted]@proxy.internal:3128 curl');
    expect(redact('ssh://bob@host:22 and http://host:8080/path')).toBe('ssh://bob@host:22 and http://host:8080/path');
  });

  it('removes a bare AWS secret access key but keeps hashes and ordinary words', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    expect(redact(`using ${secret} now`)).toBe('using [redacted] now');
    const sha1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
    expect(redact(`commit ${sha1}`)).toBe(`commit ${sha1}`);
    const longBase64 = `${secret}${secret}`;
    expect(redact(longBase64)).toBe(longBase64);
  });

  it('leaves ordinary command lines and messages alone', () => {
    for (const text of [
      "exec `sudo -n sh '/tmp/tmp.X/install-engine.sh'` -> exit 0 in 5230 ms",
      'sftp write /tmp/tmp.X/lib/common.sh (4096 bytes, mode 644)',
      'host key SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s of 127.0.0.1:2222 pinned (trust-on-first-use)',
      'EC2 DescribeInstances ok in 231 ms (1 attempt, request 7a62c49f-347e-4fc4-9331-6e8eEXAMPLE)',
    ]) {
      expect(redact(text)).toBe(text);
    }
  });
});

describe('debug()', () => {
  afterEach(() => jest.restoreAllMocks());

  it('writes to stderr only for the areas DEBUG selects, and builds lazy messages only then', () => {
    const written: string[] = [];
    captureDebugLines(written);
    const saved = { DEBUG: process.env.DEBUG, MACHINE_DEBUG: process.env.MACHINE_DEBUG };
    process.env.DEBUG = 'machine:ssh';
    delete process.env.MACHINE_DEBUG;
    let built = 0;
    try {
      jest.isolateModules(() => {
        // A fresh copy of the module: the enabled areas are read from the environment once.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fresh = require('../../src/util/debug') as typeof import('../../src/util/debug');
        fresh.debug('ssh', 'exec `id -u` password=x');
        fresh.debug('api', () => `never ${++built}`);
        expect(fresh.isDebugEnabled()).toBe(true);
        expect(fresh.isDebugEnabled('api')).toBe(false);
        fresh.enableDebug();
        fresh.debug('api', () => `now ${++built}`);
      });
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    expect(built).toBe(1);
    expect(written).toHaveLength(2);
    expect(written[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z \+\d+ms machine:ssh exec `id -u` password=\[redacted\]\n$/);
    expect(written[1]).toMatch(/ machine:api now 1\n$/);
  });
});

describe('the start-up cost of the debug logger', () => {
  it('imports nothing: every command loads it, `machine env` included', () => {
    const text = readFileSync(path.join(__dirname, '../../src/util/debug.ts'), 'utf8');
    expect(text.match(/^\s*import\s|require\(/gm)).toBeNull();
  });
});
