import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { qemuConfigFromFlags } from '../../../drivers/qemu/config';
import { MachineError } from '../../../src/core/errors';
import type { MachineRecord } from '../../../src/core/machine-record';
import { MachineApp } from '../../../src/services/app';
import { removeMachine } from '../../../src/services/remove-machine';
import { sshOptionsFor } from '../../../src/services/ssh-access';
import { ensureStoreCertificates } from '../../../src/tls';
import { machineSync } from '../../helpers/machine-cli';
import { makeTempDir, sampleRecord } from '../../helpers/tmp-store';

/**
 * Links planted at each level of the store, and record paths that lead out of it. Whatever machine
 * does (list, inspect, remove, make certificates), a sandbox folder outside the store that the links
 * point at must come out exactly as it went in: same entries, contents, modes and link targets.
 */

/** Every entry under `dir`, with its kind, mode and content (or link target), as one digest. */
async function digest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (at: string): Promise<void> => {
    for (const name of (await fs.readdir(at)).sort()) {
      const p = path.join(at, name);
      const stat = await fs.lstat(p);
      hash.update(`${path.relative(dir, p)}\0${stat.mode}\0`);
      if (stat.isSymbolicLink()) hash.update(`link:${await fs.readlink(p)}\0`);
      else if (stat.isDirectory()) await walk(p);
      else hash.update(await fs.readFile(p));
    }
  };
  await walk(dir);
  return hash.digest('hex');
}

const qemuRecord = (name: string): MachineRecord =>
  sampleRecord(name, { driver: 'qemu', driverConfig: qemuConfigFromFlags({}, '/w') as unknown as Record<string, unknown>, ssh: undefined, userPaths: [] });

let store: string;
let sandbox: string;
let app: MachineApp;
let before: string;
const warnings: string[] = [];

beforeEach(async () => {
  store = await makeTempDir('machine-store-');
  sandbox = await makeTempDir('machine-sandbox-');
  // What a link could lead machine to: a machine folder's worth of files, and a folder within.
  await fs.writeFile(path.join(sandbox, 'config.json'), JSON.stringify(sampleRecord('victim')), { mode: 0o644 });
  await fs.writeFile(path.join(sandbox, 'disk.qcow2'), 'precious disk', { mode: 0o644 });
  await fs.writeFile(path.join(sandbox, 'id_ed25519'), 'someone else\'s key', { mode: 0o640 });
  await fs.writeFile(path.join(sandbox, 'ca-key.pem'), 'someone else\'s CA key', { mode: 0o644 });
  await fs.mkdir(path.join(sandbox, 'sub'), { mode: 0o755 });
  await fs.writeFile(path.join(sandbox, 'sub', 'data'), 'more', { mode: 0o644 });
  await fs.mkdir(path.join(sandbox, 'machines', 'victim'), { recursive: true, mode: 0o755 });
  await fs.writeFile(path.join(sandbox, 'machines', 'victim', 'config.json'), JSON.stringify(sampleRecord('victim')), { mode: 0o644 });
  await fs.chmod(sandbox, 0o755);
  before = await digest(sandbox);
  warnings.length = 0;
  app = new MachineApp(store);
  await fs.mkdir(path.join(store, 'machines'), { mode: 0o700 });
});

afterEach(async () => {
  await fs.rm(store, { recursive: true, force: true });
  await fs.rm(sandbox, { recursive: true, force: true });
});

const machineDir = (name: string) => path.join(store, 'machines', name);

async function realMachine(record: MachineRecord): Promise<void> {
  await fs.mkdir(machineDir(record.name), { mode: 0o700 });
  await fs.writeFile(path.join(machineDir(record.name), 'config.json'), JSON.stringify(record), { mode: 0o600 });
}

interface Case {
  what: string;
  plant: () => Promise<void>;
  /** How `ls` shows it (the problem), or undefined when the record reads and is listed as a machine. */
  problem?: RegExp;
}

const cases: Case[] = [
  { what: 'the machine folder is a link', plant: () => fs.symlink(sandbox, machineDir('victim')), problem: /machines\/victim is a symbolic link/ },
  {
    what: 'a qemu machine folder is a link (its remove would delete disk.qcow2 there)',
    plant: async () => {
      await fs.writeFile(path.join(sandbox, 'config.json'), JSON.stringify(qemuRecord('victim')));
      before = await digest(sandbox);
      await fs.symlink(sandbox, machineDir('victim'));
    },
    problem: /machines\/victim is a symbolic link/,
  },
  {
    what: 'config.json is a link',
    plant: async () => {
      await fs.mkdir(machineDir('victim'), { mode: 0o700 });
      await fs.symlink(path.join(sandbox, 'config.json'), path.join(machineDir('victim'), 'config.json'));
    },
    problem: /config\.json is a symbolic link, and machine does not follow links inside its store/,
  },
  {
    what: "a qemu machine's disk, seed folder and key are links",
    plant: async () => {
      await realMachine(qemuRecord('victim'));
      await fs.symlink(path.join(sandbox, 'disk.qcow2'), path.join(machineDir('victim'), 'disk.qcow2'));
      await fs.symlink(path.join(sandbox, 'sub'), path.join(machineDir('victim'), 'seed'));
      await fs.symlink(path.join(sandbox, 'id_ed25519'), path.join(machineDir('victim'), 'id_ed25519'));
    },
  },
  {
    what: 'the SSH key path leads out of the store with ..',
    plant: () => realMachine(sampleRecord('victim', { ssh: { host: '127.0.0.1', port: 22, user: 'a', keyPath: path.relative(store, path.join(sandbox, 'id_ed25519')) }, userPaths: [] })),
    problem: /ssh\.keyPath: \.\.\/.*id_ed25519 leads outside the store/,
  },
  {
    what: 'the SSH key path is absolute and not one the user gave',
    plant: () => realMachine(sampleRecord('victim', { ssh: { host: '127.0.0.1', port: 22, user: 'a', keyPath: path.join(sandbox, 'id_ed25519') }, userPaths: [] })),
    problem: /id_ed25519 is outside the store and not a path the user gave/,
  },
  {
    what: "the SSH key path is the user's own (given on the command line): read, never removed",
    plant: () => realMachine(sampleRecord('victim', { ssh: { host: '127.0.0.1', port: 22, user: 'a', keyPath: path.join(sandbox, 'id_ed25519') }, userPaths: [path.join(sandbox, 'id_ed25519')] })),
  },
  {
    what: 'the repository key path leads out of the store',
    plant: () => realMachine(sampleRecord('victim', { engine: { ...sampleRecord('x').engine, repoKeyPath: path.join('machines', 'victim', '..', '..', '..', path.basename(sandbox), 'ca-key.pem') } })),
    problem: /engine\.repoKeyPath: .* leads outside the store/,
  },
];

describe.each(cases)('$what', ({ plant, problem }) => {
  it('ls shows it as its reason says, rm removes it, and nothing outside the store changes', async () => {
    await plant();
    const entries = await app.store.entries();
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    if (problem) expect(entry).toEqual({ name: 'victim', problem: expect.stringMatching(problem), ...('driver' in entry ? { driver: entry.driver } : {}) });
    else expect(entry).toMatchObject({ name: 'victim', record: { name: 'victim' } });

    await removeMachine(app, 'victim', true);

    expect(await app.store.entries()).toEqual([]);
    await expect(fs.lstat(machineDir('victim'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await digest(sandbox)).toBe(before);
  });
});

describe('links above the machines', () => {
  it('machines/ as a link: every command refuses, naming it, and follows nothing', async () => {
    await fs.rm(path.join(store, 'machines'), { recursive: true });
    await fs.symlink(path.join(sandbox, 'machines'), path.join(store, 'machines'));

    for (const attempt of [app.store.entries(), app.store.load('victim'), removeMachine(app, 'victim', true)]) {
      await expect(attempt).rejects.toMatchObject({ code: 'STORE_SYMLINK', message: expect.stringContaining(`${path.join(store, 'machines')} is a symbolic link`) });
    }
    const cli = machineSync(['rm', '-f', '-s', store, 'victim']);
    expect(cli.status).toBe(1);
    expect(cli.stderr.replace(/\s+/g, ' ')).toContain('is a symbolic link, and machine does not follow links inside its store');
    expect(await digest(sandbox)).toBe(before);
  });

  it('certs/ as a link: no certificate is made or chmod-ed there', async () => {
    await fs.symlink(sandbox, path.join(store, 'certs'));
    await expect(ensureStoreCertificates(app.layout, 'ecdsa')).rejects.toMatchObject({ code: 'STORE_SYMLINK' });
    await expect(app.store.entries()).rejects.toMatchObject({ code: 'STORE_SYMLINK' });
    expect(await digest(sandbox)).toBe(before);
  });

  it("certs/ca-key.pem as a link: the CA key is not read from elsewhere, nor replaced", async () => {
    await fs.mkdir(path.join(store, 'certs'), { mode: 0o700 });
    await fs.symlink(path.join(sandbox, 'ca-key.pem'), path.join(store, 'certs', 'ca-key.pem'));
    const err = await ensureStoreCertificates(app.layout, 'ecdsa').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MachineError);
    expect((err as MachineError).message).toMatch(/certs\/ca-key\.pem is a symbolic link/);
    expect(await digest(sandbox)).toBe(before);
  });

  it("the machine's own SSH key as a link: no connection is tried with the key it points at", async () => {
    await realMachine(sampleRecord('victim', { ssh: { host: '127.0.0.1', port: 22, user: 'a', keyPath: path.join('machines', 'victim', 'id_ed25519') }, userPaths: [] }));
    await fs.symlink(path.join(sandbox, 'id_ed25519'), path.join(machineDir('victim'), 'id_ed25519'));
    const record = await app.store.load('victim');
    expect(() => sshOptionsFor(app, record)).toThrow(expect.objectContaining({ code: 'STORE_SYMLINK', message: expect.stringContaining('machines/victim/id_ed25519 is a symbolic link') }));
    expect(await digest(sandbox)).toBe(before);
  });

  it('through the built CLI, rm -f of a linked qemu machine removes the link only', async () => {
    await fs.writeFile(path.join(sandbox, 'config.json'), JSON.stringify(qemuRecord('victim')));
    before = await digest(sandbox);
    await fs.symlink(sandbox, machineDir('victim'));
    const run = machineSync(['rm', '-f', '-s', store, 'victim']);
    expect(run).toMatchObject({ status: 0, stdout: 'Removed "victim".\n' });
    expect(run.stderr.replace(/\s+/g, ' ')).toContain('machines/victim is a symbolic link');
    expect(await digest(sandbox)).toBe(before);
  });
});
