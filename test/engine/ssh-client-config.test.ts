import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { StoreLayout } from '../../src/core/store-layout';
import { includesStoreSshConfig, machineSshConfigPath, renderMachineSshConfig, renderStoreSshConfig, storeSshConfigPath } from '../../src/engine/ssh-client-config';
import { sampleRecord } from '../helpers/tmp-store';

/** What OpenSSH itself makes of a configuration (`ssh -G` resolves it without connecting). */
function resolvedBySsh(configFile: string, host: string): Map<string, string> {
  const out = execFileSync('ssh', ['-G', '-F', configFile, host], { encoding: 'utf8' });
  return new Map(out.split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)]));
}

describe('ssh client configuration for the store', () => {
  let root: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(tmpdir(), 'machine ssh config-'));
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it("is read by OpenSSH as the machine's alias: its address, user, key and pinned known_hosts only", async () => {
    const layout = new StoreLayout(root);
    const record = sampleRecord('dev1', { ssh: { host: '203.0.113.5', port: 2222, user: 'ubuntu', keyPath: 'machines/dev1/id_ed25519' } });
    await fs.mkdir(layout.machineDir('dev1'), { recursive: true });
    await fs.writeFile(machineSshConfigPath(layout, 'dev1'), renderMachineSshConfig(record, layout) ?? '');
    await fs.writeFile(storeSshConfigPath(layout), renderStoreSshConfig(layout));

    const resolved = resolvedBySsh(storeSshConfigPath(layout), 'machine-dev1');
    expect(resolved.get('hostname')).toBe('203.0.113.5');
    expect(resolved.get('port')).toBe('2222');
    expect(resolved.get('user')).toBe('ubuntu');
    expect(resolved.get('identityfile')).toBe(path.join(root, 'machines/dev1/id_ed25519'));
    expect(resolved.get('identitiesonly')).toBe('yes');
    expect(resolved.get('userknownhostsfile')).toBe(path.join(root, 'machines/dev1/known_hosts'));
    expect(resolved.get('stricthostkeychecking')).toBe('true');
    // Another name is not ours: OpenSSH leaves it alone.
    expect(resolvedBySsh(storeSshConfigPath(layout), 'other').get('hostname')).toBe('other');
  });

  it.each([
    [{ host: '203.0.113.5\n  ProxyCommand sh -c id', port: 22, user: 'u' }],
    [{ host: '203.0.113.5', port: 22, user: 'u\nHost *' }],
    [{ host: '203.0.113.5', port: 0, user: 'u' }],
  ])('refuses an endpoint that would add lines of its own: %j', (ssh) => {
    expect(() => renderMachineSshConfig(sampleRecord('dev1', { ssh }), new StoreLayout(root))).toThrow(/cannot go into an ssh_config/);
  });

  it('has no block for a machine without an SSH endpoint yet', () => {
    expect(renderMachineSshConfig(sampleRecord('dev1', { ssh: undefined }), new StoreLayout(root))).toBeUndefined();
  });

  it.each([
    ['Include ~/.machine/ssh_config', true],
    ['  include "~/.machine/ssh_config"', true],
    ['Include /etc/ssh/other ~/.machine/ssh_config', true],
    ['# Include ~/.machine/ssh_config', false],
    ['Include ~/.machine/machines/*/ssh_config', false],
    ['', false],
  ])('tells whether ~/.ssh/config includes the store file: %j → %s', (line, included) => {
    expect(includesStoreSshConfig(`Host *\n  ServerAliveInterval 30\n${line}\n`, new StoreLayout('/home/u/.machine'), '/home/u')).toBe(included);
  });
});
