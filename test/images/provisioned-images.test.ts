import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProvisionedImages, provisionedImageKey, provisionedImagePath } from '../../src/images/provisioned-images';

let store: string;
beforeEach(async () => {
  store = await fs.mkdtemp(path.join(os.tmpdir(), 'provisioned-images-'));
});
afterEach(() => fs.rm(store, { recursive: true, force: true }));

const parts = { driver: 'qemu', baseImageSha256: 'a'.repeat(64), recipe: 'r1', shape: '20G' };
const claimFor = (key: string, sourceMachine = 'dev1') => ({ key, driver: 'qemu', file: `${key}.qcow2`, baseImageSha256: 'a'.repeat(64), recipe: 'r1', recipeSummary: 'docker.io', sourceMachine });

describe('provisionedImageKey', () => {
  it('is 16 hex digits, the same for the same parts and different when any part differs', () => {
    const key = provisionedImageKey(parts);
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(provisionedImageKey({ ...parts })).toBe(key);
    for (const change of [{ driver: 'hyperv' }, { baseImageSha256: 'b'.repeat(64) }, { recipe: 'r2' }, { shape: '10G' }]) {
      expect(provisionedImageKey({ ...parts, ...change })).not.toBe(key);
    }
  });
});

describe('ProvisionedImages', () => {
  it('uses an image only once it is ready, and makes its disk read-only then', async () => {
    const images = new ProvisionedImages(store);
    const key = provisionedImageKey(parts);
    expect(await images.claim(claimFor(key))).toBe(true);
    const disk = provisionedImagePath(store, key, 'qcow2');
    await fs.writeFile(disk, Buffer.alloc(64 * 1024, 1));
    expect(await images.find(key)).toBeUndefined();

    await images.markReady(key);
    const found = await images.find(key);
    expect(found).toMatchObject({ key, state: 'ready', path: disk, sourceMachine: 'dev1', recipeSummary: 'docker.io' });
    expect(found?.sizeBytes).toBeGreaterThanOrEqual(64 * 1024);
    expect((await fs.stat(disk)).mode & 0o777).toBe(0o444);
  });

  it('lets only one create claim a key', async () => {
    const images = new ProvisionedImages(store);
    const key = provisionedImageKey(parts);
    const claims = await Promise.all([images.claim(claimFor(key, 'a')), images.claim(claimFor(key, 'b')), images.claim(claimFor(key, 'c'))]);
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('lists ready, capturing and orphaned disks, and remove deletes disk and description', async () => {
    const images = new ProvisionedImages(store);
    const ready = provisionedImageKey(parts);
    const capturing = provisionedImageKey({ ...parts, recipe: 'r2' });
    const orphan = provisionedImageKey({ ...parts, recipe: 'r3' });
    await images.claim(claimFor(ready));
    await fs.writeFile(provisionedImagePath(store, ready, 'qcow2'), 'disk');
    await images.markReady(ready);
    await images.claim(claimFor(capturing));
    await fs.writeFile(provisionedImagePath(store, orphan, 'qcow2'), 'left by a crash');

    const listed = await images.list();
    expect(listed.map((e) => [e.key, e.state]).sort()).toEqual([[capturing, 'capturing'], [orphan, 'capturing'], [ready, 'ready']].sort());

    for (const key of [ready, capturing, orphan]) await images.remove(key);
    await images.remove(ready);
    expect(await images.list()).toEqual([]);
    expect(await fs.readdir(images.dir)).toEqual([]);
  });

  it('lists nothing when the cache folder does not exist', async () => {
    expect(await new ProvisionedImages(store).list()).toEqual([]);
    expect(await new ProvisionedImages(store).find('0123456789abcdef')).toBeUndefined();
  });
});
