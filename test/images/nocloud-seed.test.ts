import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderMetaData, renderUserData, writeSeedIso } from '../../src/images/nocloud-seed';
import { runProcess } from '../../src/util/run-process';

const options = { instanceId: 'dev1-0a1b2c', hostname: 'dev1', user: 'docker', sshPublicKey: 'ssh-ed25519 AAAAC3Nza machine\n' };

describe('NoCloud seed', () => {
  it('user-data makes the user with the key and passwordless sudo', () => {
    expect(renderUserData(options)).toBe(
      [
        '#cloud-config',
        'users:',
        '  - name: "docker"',
        '    shell: /bin/bash',
        '    lock_passwd: true',
        '    sudo: "ALL=(ALL) NOPASSWD:ALL"',
        '    ssh_authorized_keys:',
        '      - "ssh-ed25519 AAAAC3Nza machine"',
        'ssh_pwauth: false',
        'preserve_hostname: false',
        'hostname: "dev1"',
        '',
      ].join('\n'),
    );
  });

  it('meta-data names the instance and host', () => {
    expect(renderMetaData(options)).toBe('instance-id: "dev1-0a1b2c"\nlocal-hostname: "dev1"\n');
  });

  it('quotes input so it cannot add YAML structure', () => {
    expect(renderUserData({ ...options, sshPublicKey: 'ssh-ed25519 AAA"\nruncmd: [reboot]' })).not.toMatch(/^runcmd/m);
  });

  it('runs extra first-boot lines through sh, quoted', () => {
    const text = renderUserData({ ...options, runcmd: ['echo "a b" > /tmp/x'] });
    expect(text).toMatch(/^runcmd:\n {2}- \[ sh, -c, "echo \\"a b\\" > \/tmp\/x" \]$/m);
    expect(renderUserData(options)).not.toMatch(/runcmd/);
  });

  it('writes an ISO 9660 volume labelled cidata whose Joliet names are user-data and meta-data', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nocloud-seed-'));
    try {
      const iso = await writeSeedIso(dir, options);
      const read = async (...args: string[]) => (await runProcess('isoinfo', ['-i', iso, ...args], { timeoutMs: 20_000 })).stdout;
      expect(await read('-d')).toMatch(/Volume id: cidata/);
      expect(await read('-J', '-x', '/user-data')).toBe(renderUserData(options));
      expect(await read('-J', '-x', '/meta-data')).toBe(renderMetaData(options));
      expect(await fs.readdir(dir)).toEqual(['seed.iso']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

test('bootcmd lines run at every boot, quoted as runcmd lines are', () => {
  const text = renderUserData({ instanceId: 'i', hostname: 'h', user: 'u', sshPublicKey: 'ssh-ed25519 AAA', bootcmd: ['printf "a\\n" > /x'] });
  expect(text).toMatch(/^bootcmd:\n {2}- \[ sh, -c, "printf \\"a\\\\n\\" > \/x" \]$/m);
  expect(renderUserData({ instanceId: 'i', hostname: 'h', user: 'u', sshPublicKey: 'k' })).not.toMatch(/bootcmd/);
});
