import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findIsoTool, renderMetaData, renderUserData, writeSeedIso } from '../../../drivers/qemu/seed';

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

  it('writes an ISO 9660 volume labelled cidata holding both files', async () => {
    if (!(await findIsoTool())) return; // covered by the pre-create check; nothing to write with here
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'qemu-seed-'));
    try {
      const iso = await fs.readFile(await writeSeedIso(dir, options));
      // The primary volume descriptor is sector 16: type 1, "CD001", volume id at offset 40.
      const pvd = iso.subarray(16 * 2048, 17 * 2048);
      expect(pvd.subarray(1, 6).toString('latin1')).toBe('CD001');
      expect(pvd.subarray(40, 72).toString('latin1').trim()).toBe('cidata');
      expect(iso.includes(Buffer.from('ssh-ed25519 AAAAC3Nza machine'))).toBe(true);
      expect(iso.includes(Buffer.from('local-hostname: "dev1"'))).toBe(true);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
