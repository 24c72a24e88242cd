import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { driverNamedIn } from '../../src/cli/create-help';
import { engineFlags, tlsFlags } from '../../src/cli/engine-flags';
import { registeredDrivers } from '../../src/services/driver-registry';

/**
 * `create --driver NAME --help` as users run it (the compiled bin/run.js, with the help class
 * package.json names). Needs `npm run build`, which `npm test` runs first.
 */
const repoRoot = path.join(__dirname, '..', '..');

function machine(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.MACHINE_DRIVER;
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), ...args], { env, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * The flags a help text lists in its flag sections: `--name` (or `--[no-]name` for a negatable switch)
 * opening a line (after any `-c, `), then `=` or spaces.
 */
function listedFlags(help: string): Set<string> {
  return new Set([...help.matchAll(/^\s+(?:-\w, )?--(?:\[no-\])?([a-z0-9-]+)(?=[=\s]|$)/gm)].map((m) => m[1]));
}

const visible = (flags: Record<string, { hidden?: boolean }>) => Object.keys(flags).filter((name) => !flags[name].hidden);
const common = ['driver', 'keep-on-failure', 'image-cache', 'swarm-manager', 'swarm-join', 'storage-path', 'debug', 'json', ...Object.keys(engineFlags), ...Object.keys(tlsFlags)];

describe('create --help', () => {
  it.each(registeredDrivers().flatMap((d) => [d.name, ...d.aliases].map((spelling) => [spelling, d.name] as const)))(
    '--driver %s shows the common flags and the %s driver\'s only',
    async (spelling, canonical) => {
      const help = await machine(['create', '--driver', spelling, '--help']);
      expect(help.code).toBe(0);
      const listed = listedFlags(help.stdout);
      const own = visible(registeredDrivers().find((d) => d.name === canonical)!.flags);
      const foreign = registeredDrivers().filter((d) => d.name !== canonical).flatMap((d) => Object.keys(d.flags));
      expect([...listed].sort()).toEqual([...common, ...own].sort());
      expect(foreign.filter((name) => help.stdout.includes(`--${name}`))).toEqual([]);
      expect(help.stdout).toMatch(new RegExp(`the common flags and those of the ${canonical} driver`));
    },
  );

  it('plain --help keeps every driver\'s flags, and names the drivers with their aliases', async () => {
    const help = await machine(['create', '--help']);
    expect(help.code).toBe(0);
    const everyDriverFlag = registeredDrivers().flatMap((d) => visible(d.flags));
    expect([...listedFlags(help.stdout)].sort()).toEqual([...common, ...everyDriverFlag].sort());
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('driver: generic (ssh, vps), qemu, amazonec2 (aws, ec2)');
    expect(help.stdout).not.toMatch(/the common flags and those of/);
  });

  it('reads -dNAME and --driver=NAME too', async () => {
    for (const args of [['-dqemu'], ['-d', 'qemu'], ['--driver=qemu']]) {
      const listed = listedFlags((await machine(['create', ...args, '--help'])).stdout);
      expect({ args, generic: listed.has('generic-ip-address'), qemu: listed.has('qemu-image') }).toEqual({ args, generic: false, qemu: true });
    }
  });

  it('an unknown driver is the usage error create gives, naming every driver and alias', async () => {
    for (const args of [['create', '--driver', 'virtualbox', '--help'], ['create', '--driver', 'virtualbox', 'x1']]) {
      const run = await machine(args);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(/unknown driver "virtualbox"/);
      expect(run.stderr.replace(/\s+/g, ' ')).toContain('available drivers: generic (ssh, vps), qemu, amazonec2 (aws, ec2)');
    }
  });

  it('leaves other commands\' help alone', async () => {
    const help = await machine(['ls', '--driver', 'aws', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^list machines/);
  });
});

describe('driverNamedIn', () => {
  it.each([
    [['create', '--driver', 'aws', '--help'], 'aws'],
    [['create', '--driver=aws'], 'aws'],
    [['create', '-d', 'aws'], 'aws'],
    [['create', '-daws'], 'aws'],
    [['create', '-d=aws'], 'aws'],
    [['create', '--help'], undefined],
    [['create', '--', '--driver', 'aws'], undefined],
    [['create', '--debug', 'x'], undefined],
  ])('%j names %s', (argv, expected) => {
    expect(driverNamedIn(argv)).toBe(expected);
  });
});
