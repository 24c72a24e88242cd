import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EngineOptions } from '../../src/core/machine-record';
import { DROP_IN_PATH, engineOptFlag, renderDockerdDropIn, validateEngineOptions } from '../../src/provision/dockerd-config';
import { systemdEnvironmentAssignment, systemdExecArg } from '../../src/provision/systemd-quote';
import { describeWhen } from '../helpers/prerequisite';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

function engine(overrides: Partial<EngineOptions> = {}): EngineOptions {
  return {
    install: 'docker',
    port: 2376,
    labels: [],
    opts: [],
    env: [],
    insecureRegistries: [],
    registryMirrors: [],
    ...overrides,
  };
}

const TLS_ARGS =
  '-H unix:///var/run/docker.sock -H tcp://0.0.0.0:2376 --tlsverify --tlscacert /etc/docker/ca.pem --tlscert /etc/docker/server.pem --tlskey /etc/docker/server-key.pem';

describe('renderDockerdDropIn', () => {
  it('clears ExecStart and listens on the socket and on TCP with TLS', () => {
    expect(DROP_IN_PATH).toBe('/etc/systemd/system/docker.service.d/10-machine.conf');
    expect(renderDockerdDropIn({ engine: engine(), driverName: 'generic', dockerdPath: '/usr/sbin/dockerd' })).toBe(
      [
        '# Written by machine; re-provisioning rewrites it.',
        '[Service]',
        'ExecStart=',
        `ExecStart=/usr/sbin/dockerd ${TLS_ARGS} --label provider=generic`,
        '',
      ].join('\n'),
    );
  });

  it('puts user labels before provider, then registries, mirrors, storage driver and engine opts', () => {
    const text = renderDockerdDropIn({
      engine: engine({
        port: 3376,
        labels: ['env=prod', 'team=infra'],
        insecureRegistries: ['10.0.0.5:5000'],
        registryMirrors: ['https://mirror.example.com'],
        storageDriver: 'overlay2',
        opts: ['log-driver=none', '--debug', 'default-ulimit=nofile=1024:2048'],
      }),
      driverName: 'qemu',
      dockerdPath: '/usr/bin/dockerd',
    });
    const execLine = text.split('\n')[3];
    expect(execLine).toBe(
      `ExecStart=/usr/bin/dockerd ${TLS_ARGS.replace('2376', '3376')} --label env=prod --label team=infra --label provider=qemu` +
        ' --insecure-registry 10.0.0.5:5000 --registry-mirror https://mirror.example.com --storage-driver overlay2' +
        ' --log-driver=none --debug --default-ulimit=nofile=1024:2048',
    );
  });

  it('quotes environment values for systemd', () => {
    const text = renderDockerdDropIn({
      engine: engine({ env: ['HTTP_PROXY=http://proxy:3128', 'NO_PROXY=a, b', 'WEIRD=say "hi" \\ 50%'] }),
      driverName: 'generic',
      dockerdPath: '/usr/sbin/dockerd',
    });
    expect(text.split('\n').filter((l) => l.startsWith('Environment='))).toEqual([
      'Environment="HTTP_PROXY=http://proxy:3128"',
      'Environment="NO_PROXY=a, b"',
      'Environment="WEIRD=say \\"hi\\" \\\\ 50%%"',
    ]);
  });

  it('is deterministic', () => {
    const input = { engine: engine({ labels: ['a=1'], env: ['A=1'], opts: ['x=y'] }), driverName: 'generic', dockerdPath: '/usr/sbin/dockerd' };
    expect(renderDockerdDropIn(input)).toBe(renderDockerdDropIn(structuredClone(input)));
  });

  it('refuses a strange dockerd path', () => {
    expect(() => renderDockerdDropIn({ engine: engine(), driverName: 'generic', dockerdPath: 'dockerd; rm -rf /' })).toThrow(/dockerd path/);
  });
});

describe('systemd quoting', () => {
  it('leaves plain words alone and escapes specifiers', () => {
    expect(systemdExecArg('--log-driver=none')).toBe('--log-driver=none');
    expect(systemdExecArg('100%')).toBe('100%%');
  });

  it('double-quotes words with spaces, quotes, dollars, newlines or a lone semicolon', () => {
    expect(systemdExecArg('a b')).toBe('"a b"');
    expect(systemdExecArg(`it's "x"`)).toBe(`"it\\'s \\"x\\""`);
    expect(systemdExecArg('$HOME')).toBe('"$$HOME"');
    expect(systemdExecArg('line1\nline2')).toBe('"line1\\nline2"');
    expect(systemdExecArg(';')).toBe('";"');
    expect(systemdExecArg('')).toBe('""');
  });

  it('keeps dollars literal in Environment= (systemd does not expand there)', () => {
    expect(systemdEnvironmentAssignment('A=$B')).toBe('"A=$B"');
  });

  it('engine opts lose any leading dashes before getting two', () => {
    expect(engineOptFlag('debug')).toBe('--debug');
    expect(engineOptFlag('--debug')).toBe('--debug');
  });
});

describe('validateEngineOptions', () => {
  it.each<[string, Partial<EngineOptions>, RegExp]>([
    ['env without =', { env: ['NOVALUE'] }, /--engine-env "NOVALUE" is not KEY=VALUE/],
    ['env with a bad name', { env: ['1A=b'] }, /--engine-env/],
    ['label without =', { labels: ['justkey'] }, /--engine-label "justkey" is not key=value/],
    ['an opt machine manages', { opts: ['tlsverify=false'] }, /--engine-opt tlsverify is set by machine/],
    ['a host opt', { opts: ['host=tcp://0.0.0.0:2375'] }, /--engine-opt host is set by machine/],
    ['an opt that is no flag', { opts: ['=x'] }, /--engine-opt "=x" is not name=value/],
    ['a port out of range', { port: 70000 }, /engine port 70000/],
    ['a storage driver with spaces', { storageDriver: 'over lay' }, /--engine-storage-driver/],
  ])('rejects %s as a usage error', (_what, overrides, message) => {
    expect(() => validateEngineOptions(engine(overrides))).toThrow(message);
    try {
      validateEngineOptions(engine(overrides));
    } catch (err) {
      expect((err as { code: string }).code).toBe('USAGE');
    }
  });

  it('accepts the values dockerd and apt take (so the checks refuse no real use)', () => {
    expect(() =>
      validateEngineOptions(
        engine({
          labels: ['env=staging', 'note=two words and --debug=1', 'q="quoted"'],
          opts: ['log-driver=none', '--debug', 'log-opt=tag={{.Name}}'],
          env: ['HTTP_PROXY=http://proxy:3128', 'A=$B c'],
          insecureRegistries: ['reg.local:5000', '10.0.0.0/8', '[2001:db8::1]:5000', '203.0.113.7', 'fd00::/8'],
          registryMirrors: ['https://mirror.local', 'http://10.0.2.2:5000/', 'https://[2001:db8::1]:443'],
          storageDriver: 'overlay2',
          version: '5:27.3.1-1~debian.12~bookworm',
          repoUrl: 'http://10.0.2.2:8080/debian',
          repoSuite: './',
          repoComponent: 'stable',
        }),
      ),
    ).not.toThrow();
  });
});

// systemd's own parser is the judge of the quoting.
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version'], { timeout: SYNC_CHILD_TIMEOUT_MS }).status === 0;
describeWhen(hasSystemdAnalyze, 'systemd-analyze (Debian: systemd)')('the drop-in as systemd reads it', () => {
  it('passes systemd-analyze verify with awkward values', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'machine-dropin-'));
    try {
      const dropIn = renderDockerdDropIn({
        engine: engine({
          labels: ['note=two words', 'q="quoted"', 'pct=100%'],
          env: ['A=$B c', 'D=it\'s "x"'],
          opts: ['log-opt=tag={{.Name}} x', 'data-root=/var/lib/$docker'],
        }),
        driverName: 'generic',
        dockerdPath: '/bin/true',
      });
      const unit = path.join(dir, 'machine-test.service');
      writeFileSync(unit, dropIn);
      const output = execFileSync('systemd-analyze', ['verify', unit], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: SYNC_CHILD_TIMEOUT_MS });
      expect(output).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
