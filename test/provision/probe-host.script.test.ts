import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MachineError } from '../../src/core/errors';
import { probeHost } from '../../src/provision/host-probe';
import { readProvisionScripts } from '../../src/provision/script-bundle';
import type { ExecOptions, ExecResult, RemoteSession } from '../../src/ssh/session';
import { rejectionOf } from '../helpers/rejection';

/**
 * A session whose commands run in a local shell, with a PATH of stand-ins first: probeHost sends the
 * real probe-host.sh and parses what it really prints. Only the SSH transport is left out.
 */
class LocalShellSession implements RemoteSession {
  constructor(private readonly env: Record<string, string>) {}

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', command], { env: this.env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(options.stdin ?? '');
    });
  }

  writeFile(): Promise<void> {
    throw new Error('not used by the probe');
  }

  readFile(): Promise<Buffer> {
    throw new Error('not used by the probe');
  }

  async close(): Promise<void> {}
}

describe('probeHost with probe-host.sh', () => {
  let work: string;
  let bin: string;
  let tmp: string;

  beforeEach(() => {
    work = mkdtempSync(path.join(tmpdir(), 'machine-probe-'));
    bin = path.join(work, 'bin');
    tmp = path.join(work, 'tmp');
    mkdirSync(bin);
    mkdirSync(tmp);
    writeFileSync(
      path.join(bin, 'ip'),
      '#!/bin/sh\nprintf "2: eth0    inet 10.0.2.15/24 brd 10.0.2.255 scope global eth0\\n3: docker0    inet 172.17.0.1/16 scope global docker0\\n"\n',
      { mode: 0o755 },
    );
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  function session(): LocalShellSession {
    return new LocalShellSession({ PATH: `${bin}:/usr/bin:/bin`, TMPDIR: tmp, LOGNAME: 'alice' });
  }

  it('answers the user, a private staging folder with lib/ and the global addresses in one command', async () => {
    const probe = await probeHost(session(), await readProvisionScripts());
    // The uid is read from /proc, so it is whoever runs the tests.
    expect(probe.userIsRoot).toBe(process.getuid?.() === 0);
    expect(probe.user).toBe('alice');
    expect(probe.addresses).toEqual(['10.0.2.15']);
    expect(path.dirname(probe.stagingDir)).toBe(tmp);
    expect(statSync(probe.stagingDir).mode & 0o777).toBe(0o700);
    expect(existsSync(path.join(probe.stagingDir, 'lib'))).toBe(true);
  });

  it('fails naming what went wrong when no staging folder can be made', async () => {
    rmSync(tmp, { recursive: true });
    const err = await rejectionOf(probeHost(session(), await readProvisionScripts()), MachineError);
    expect(err.code).toBe('PROVISION_FAILED');
    expect(err.message).toMatch(/^provisioning failed at upload: cannot make a staging folder on the host \(mktemp -d\): mktemp: /);
  });
});
