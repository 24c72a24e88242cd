import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describeWhen } from '../helpers/prerequisite';
import { SANDBOX_NEEDS, runInSandbox, sandboxAvailable } from './sandbox';

const SCRIPT = path.join(__dirname, '../../provision-scripts/set-hostname.sh');
const describeReal = describeWhen(sandboxAvailable(), SANDBOX_NEEDS);

// The real script, run as root in a namespace sandbox (see sandbox.ts).
describeReal('set-hostname.sh', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(path.join(tmpdir(), 'machine-hostname-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  function run(seedHosts: string, extraSetup = '') {
    const setup = `printf '%s' "$SEED_HOSTS" > /etc/hosts; echo oldname > /etc/hostname; hostname oldname; ${extraSetup}`;
    const check = 'sh "$SCRIPT" && sh "$SCRIPT" && echo "--- $(hostname) $(cat /etc/hostname)" && cat /etc/hosts && cat /etc/cloud/cloud.cfg.d/99-machine-hostname.cfg 2>/dev/null || true';
    return runInSandbox(work, setup, ['sh', '-c', check], { SCRIPT, MACHINE_HOSTNAME: 'dev-1.lab', SEED_HOSTS: seedHosts });
  }

  it('sets the name, replaces the 127.0.1.1 line, and changes nothing the second time', () => {
    const result = run('127.0.0.1\tlocalhost\n127.0.1.1\toldname\n::1\tlocalhost ip6-localhost\n', 'mkdir -p /etc/cloud/cloud.cfg.d');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const [first, second, , ...rest] = result.stdout.split('\n');
    expect(first).toBe('hostname: set to dev-1.lab');
    expect(second).toBe('::changed hostname');
    expect(result.stdout).toContain('hostname: dev-1.lab (unchanged)');
    expect(result.stdout).toContain('--- dev-1.lab dev-1.lab');
    expect(rest.join('\n')).toContain('127.0.0.1\tlocalhost\n127.0.1.1\tdev-1.lab\n::1\tlocalhost ip6-localhost\npreserve_hostname: true');
  });

  it('appends a 127.0.1.1 line when there is none, and keeps an FQDN alias the user set', () => {
    const appended = run('127.0.0.1 localhost\n');
    expect(appended.status).toBe(0);
    expect(appended.stdout).toContain('127.0.0.1 localhost\n127.0.1.1\tdev-1.lab\n');

    const kept = run('127.0.1.1 dev-1.lab.example.com dev-1.lab\n');
    expect(kept.status).toBe(0);
    expect(kept.stdout).toContain('127.0.1.1 dev-1.lab.example.com dev-1.lab\n');
  });

  it('refuses a name that is not a host name', () => {
    const result = runInSandbox(work, '', ['sh', SCRIPT], { MACHINE_HOSTNAME: 'bad name' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('error: invalid host name: bad name\n');
  });
});
