import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MachineExistsError, MachineNotFoundError, OperationError, UsageError } from '../../../src/core/errors';
import { withStoreLock } from '../../../src/core/store/lock';
import { MachineStore, validateName } from '../../../src/core/store/machine-store';
import { StoreLayout } from '../../../src/core/store-layout';
import { makeTempDir, sampleRecord } from '../../helpers/tmp-store';

describe('MachineStore', () => {
  let root: string;
  let store: MachineStore;

  beforeEach(async () => {
    root = await makeTempDir();
    store = new MachineStore(new StoreLayout(root));
  });

  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it('round-trips a record and writes config.json with mode 0600', async () => {
    await store.reserve(sampleRecord('web1'));
    const loaded = await store.load('web1');
    expect(loaded).toEqual(sampleRecord('web1'));
    const stat = await fs.stat(path.join(root, 'machines/web1/config.json'));
    expect(stat.mode & 0o777).toBe(0o600);
    const dirStat = await fs.stat(path.join(root, 'machines/web1'));
    expect(dirStat.mode & 0o777).toBe(0o700);
  });

  it('keeps every optional field through a round trip (the schema drops nothing it knows)', async () => {
    const full = sampleRecord('ssh1', {
      engine: { ...sampleRecord('ssh1').engine, transport: 'ssh', storageDriver: 'overlay2' },
      dockerEndpoint: { host: '127.0.0.1', port: 40000 },
      driverPlugin: { name: 'machine-driver-sample', version: '1.0.0' },
    });
    await store.reserve(full);
    expect(await store.load('ssh1')).toEqual(full);
  });

  it('refuses a second machine with the same name', async () => {
    await store.reserve(sampleRecord('web1'));
    await expect(store.reserve(sampleRecord('web1'))).rejects.toBeInstanceOf(MachineExistsError);
  });

  it('lists only folders that hold a config.json, sorted, ignoring dot folders', async () => {
    await store.reserve(sampleRecord('b'));
    await store.reserve(sampleRecord('a'));
    await fs.mkdir(path.join(root, 'machines/debris'), { recursive: true });
    await fs.mkdir(path.join(root, 'machines/.hidden'), { recursive: true });
    expect(await store.names()).toEqual(['a', 'b']);
  });

  it('answers MachineNotFound for an unknown machine and an empty list for a new store', async () => {
    expect(await store.names()).toEqual([]);
    await expect(store.load('nope')).rejects.toBeInstanceOf(MachineNotFoundError);
  });

  it('leaves no temp files behind and never exposes a partial file', async () => {
    await store.reserve(sampleRecord('web1'));
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.update('web1', (r) => (r.driverState = { round: i }))));
    const files = await fs.readdir(path.join(root, 'machines/web1'));
    expect(files).toEqual(['config.json']);
    expect(() => JSON.parse(readFileSync(path.join(root, 'machines/web1/config.json'), 'utf8'))).not.toThrow();
  });

  it('refuses a record from a newer schema and a record naming another machine', async () => {
    await store.reserve(sampleRecord('web1'));
    const file = path.join(root, 'machines/web1/config.json');
    await fs.writeFile(file, JSON.stringify({ ...sampleRecord('web1'), schemaVersion: 99 }));
    await expect(store.load('web1')).rejects.toThrow(/newer machine/);
    await fs.writeFile(file, JSON.stringify(sampleRecord('other')));
    await expect(store.load('web1')).rejects.toBeInstanceOf(OperationError);
  });

  it('removes the record so the machine no longer exists', async () => {
    await store.reserve(sampleRecord('web1'));
    await store.remove('web1');
    expect(await store.exists('web1')).toBe(false);
    await expect(fs.access(path.join(root, 'machines/web1'))).rejects.toThrow();
  });
});

describe('validateName', () => {
  it.each(['a', '0', 'web1', 'web-1.example', 'A.b-c'])('accepts %s', (name) => {
    expect(() => validateName(name)).not.toThrow();
  });
  it.each(['-', '.', '..', '-web', '.web', 'web_1', 'web 1', '∞', '', 'a'.repeat(64), '../etc'])('rejects %j', (name) => {
    expect(() => validateName(name)).toThrow(UsageError);
  });
});

describe('withStoreLock', () => {
  it('serializes concurrent critical sections so check-then-create never races', async () => {
    const root = await makeTempDir();
    const store = new MachineStore(new StoreLayout(root));
    let inside = 0;
    let maxInside = 0;
    const attempts = Array.from({ length: 6 }, () =>
      withStoreLock(root, async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        try {
          await store.reserve(sampleRecord('same'));
          return 'created';
        } catch (err) {
          return err instanceof MachineExistsError ? 'exists' : 'other';
        } finally {
          await new Promise((r) => setTimeout(r, 20));
          inside--;
        }
      }),
    );
    const outcomes = await Promise.all(attempts);
    expect(maxInside).toBe(1);
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'exists')).toHaveLength(5);
    await fs.rm(root, { recursive: true, force: true });
  });
});
