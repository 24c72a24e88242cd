import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bootFilesScript, renderMetaData, renderUserData, writeSeedIso } from '../../src/images/nocloud-seed';
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

  it('writes boot files once per instance through cloud-init-per, then reloads systemd', () => {
    const text = renderUserData({ ...options, bootFiles: [{ path: '/etc/docker/ca.pem', content: 'CA', mode: 0o644 }] });
    const line = /^bootcmd:\n {2}- \[ cloud-init-per, instance, machine-boot-files, sh, -c, (".*") \]$/m.exec(text);
    expect(line).not.toBeNull();
    const script = JSON.parse(line?.[1] ?? '""') as string;
    expect(script).toBe(bootFilesScript([{ path: '/etc/docker/ca.pem', content: 'CA', mode: 0o644 }]));
    expect(script.split('\n').at(-1)).toBe('systemctl daemon-reload');
    expect(renderUserData(options)).not.toMatch(/bootcmd/);
  });

  it('the boot files script writes every byte and mode, leaving no temporary file', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'boot-files-'));
    try {
      await fs.mkdir(path.join(root, 'bin'));
      await fs.writeFile(path.join(root, 'bin/systemctl'), `#!/bin/sh\necho "$*" >> ${root}/systemctl.log\n`, { mode: 0o755 });
      const hostile = 'a\'b"c $(reboot) `x` \\n\n%!\n\u00e9\n';
      const files = [
        { path: path.join(root, 'etc/docker/server-key.pem'), content: hostile, mode: 0o600 },
        { path: path.join(root, 'etc/systemd/system/docker.service.d/10-machine.conf'), content: '[Service]\nExecStart=\n', mode: 0o644 },
      ];
      await runProcess('sh', ['-c', bootFilesScript(files)], { timeoutMs: 20_000, env: { ...process.env, PATH: `${root}/bin:${process.env.PATH ?? ''}` } });
      for (const file of files) {
        expect(await fs.readFile(file.path, 'utf8')).toBe(file.content);
        expect((await fs.stat(file.path)).mode & 0o777).toBe(file.mode);
      }
      expect(await fs.readdir(path.join(root, 'etc/docker'))).toEqual(['server-key.pem']);
      expect(await fs.readFile(path.join(root, 'systemctl.log'), 'utf8')).toBe('daemon-reload\n');
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('refuses a boot file with a relative path', () => {
    expect(() => bootFilesScript([{ path: 'etc/x', content: '', mode: 0o644 }])).toThrow(/must be absolute/);
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

test('every-boot lines and boot files share one bootcmd list, the boot files last', () => {
  const text = renderUserData({ instanceId: 'i', hostname: 'h', user: 'u', sshPublicKey: 'k', bootcmd: ['true'], bootFiles: [{ path: '/etc/x', content: 'x', mode: 0o644 }] });
  expect(text.match(/^bootcmd:$/gm)).toHaveLength(1);
  expect(text).toMatch(/^bootcmd:\n {2}- \[ sh, -c, "true" \]\n {2}- \[ cloud-init-per, instance, machine-boot-files, sh, -c, ".*" \]$/m);
});
