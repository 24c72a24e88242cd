import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EngineOptions } from '../../src/core/machine-record';
import { renderDockerdDropIn } from '../../src/provision/dockerd-config';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

/**
 * provision-scripts/lib/drop-in.sh's drop_in_flag_keys, run for real in bash and dash (its own file,
 * so no host is needed) on drop-ins rendered by the project: which daemon.json keys the drop-in sets
 * is read from its words, so a label or an option's value that looks like a flag sets nothing.
 */
const LIB = path.join(__dirname, '../../provision-scripts/lib/drop-in.sh');

function engine(overrides: Partial<EngineOptions>): EngineOptions {
  return { install: 'none', port: 2376, labels: [], opts: [], env: [], insecureRegistries: [], registryMirrors: [], ...overrides };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'machine-drop-in-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keysIn(shell: string, overrides: Partial<EngineOptions>): string[] {
  const file = path.join(dir, 'drop-in.conf');
  writeFileSync(file, renderDockerdDropIn({ engine: engine(overrides), driverName: 'generic', dockerdPath: '/usr/bin/dockerd' }));
  const run = spawnSync(shell, ['-c', '. "$1" && drop_in_flag_keys "$2"', 'sh', LIB, file], { encoding: 'utf8', timeout: SYNC_CHILD_TIMEOUT_MS });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout.split('\n').filter(Boolean);
}

describe.each(['bash', 'dash'])('drop_in_flag_keys in %s', (shell) => {
  it('names the keys of the flags machine always sets', () => {
    expect(keysIn(shell, {})).toEqual(['labels', 'tlsverify']);
  });

  it('does not take a label value for a flag, however it is spelled', () => {
    const labels = ['note=a --debug=1', 'x=--log-level=debug', '--debug=2', 'q="--tls=false" --iptables=false'];
    expect(keysIn(shell, { labels })).toEqual(['labels', 'tlsverify']);
  });

  it('names each option, quoted or bare, and the other list flags', () => {
    const keys = keysIn(shell, {
      opts: ['log-opt=tag={{.Name}} x', 'debug', 'data-root=/var/lib/$docker', 'max-concurrent-downloads=3'],
      insecureRegistries: ['reg.local:5000'],
      registryMirrors: ['https://mirror.local'],
      storageDriver: 'overlay2',
      labels: ['a=b'],
    });
    expect(keys).toEqual(['data-root', 'debug', 'insecure-registries', 'labels', 'log-opt', 'max-concurrent-downloads', 'registry-mirrors', 'storage-driver', 'tlsverify']);
  });

  it('takes an option value that looks like a flag as part of its option', () => {
    expect(keysIn(shell, { opts: ['log-opt=labels=--debug=1 --x'] })).toEqual(['labels', 'log-opt', 'tlsverify']);
  });
});
