import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Provisioned images: a machine's disk after provisioning, sealed (everything machine-specific taken
 * out) and kept in the store, so the next local machine of the same recipe boots with the engine in
 * place and only does the per-machine work. Layout, beside the base images of image-cache.ts:
 *   STORE/cache/provisioned/KEY.EXT    the disk (an overlay on its base image; read-only once kept)
 *   STORE/cache/provisioned/KEY.json   what it is made of, and whether it is ready
 * An entry is `capturing` from the moment a create claims the key until that machine, booted from the
 * kept disk, answered over TLS; only `ready` entries are used. Claiming is an exclusive create of the
 * JSON file, so two creates of one recipe never both keep a disk under the same key.
 */
export interface ProvisionedImageInfo {
  key: string;
  state: 'capturing' | 'ready';
  driver: string;
  /** The disk's file name inside the folder. */
  file: string;
  baseImageSha256: string;
  /** Hash of the provisioning recipe (engine source and version, scripts), and what it says in words. */
  recipe: string;
  recipeSummary: string;
  /** The machine whose provisioned disk this is. */
  sourceMachine: string;
  createdAt: string;
  /** Where dockerd is inside the image, as the seal found it: machines made from it need not ask. */
  dockerdPath?: string;
}

export interface ProvisionedImageEntry extends ProvisionedImageInfo {
  path: string;
  /** Bytes the disk takes on the host (allocated blocks; an overlay is far smaller than its virtual size). */
  sizeBytes: number;
}

/** What makes two provisioned disks interchangeable. `shape` is the driver's own (e.g. the disk size). */
export interface ProvisionedImageKeyParts {
  driver: string;
  baseImageSha256: string;
  recipe: string;
  shape: string;
}

const KEY_LENGTH = 16;

export function provisionedImageKey(parts: ProvisionedImageKeyParts): string {
  const canonical = JSON.stringify([parts.driver, parts.baseImageSha256, parts.recipe, parts.shape]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, KEY_LENGTH);
}

export function provisionedImagesDir(storePath: string): string {
  return path.join(storePath, 'cache', 'provisioned');
}

/** Where the disk of `key` lives (whether or not it exists yet). */
export function provisionedImagePath(storePath: string, key: string, extension: string): string {
  return path.join(provisionedImagesDir(storePath), `${key}.${extension}`);
}

export class ProvisionedImages {
  readonly dir: string;

  constructor(storePath: string) {
    this.dir = provisionedImagesDir(storePath);
  }

  /** The ready image of `key` whose disk is present, or undefined. */
  async find(key: string): Promise<ProvisionedImageEntry | undefined> {
    const entry = await this.entry(key);
    return entry?.state === 'ready' ? entry : undefined;
  }

  /**
   * Claims `key` for a capture: true when this caller now owns it, false when another create holds or
   * made it (that create's image will serve; this machine simply stays as provisioned).
   */
  async claim(info: Omit<ProvisionedImageInfo, 'state' | 'createdAt'>): Promise<boolean> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const record: ProvisionedImageInfo = { ...info, state: 'capturing', createdAt: new Date().toISOString() };
    try {
      await fs.writeFile(this.infoPath(info.key), `${JSON.stringify(record, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }

  /** The captured machine answered: its image may serve other creates from now on. The disk becomes read-only. */
  async markReady(key: string, facts: Pick<ProvisionedImageInfo, 'dockerdPath'> = {}): Promise<void> {
    const info = await this.readInfo(key);
    if (!info) throw new Error(`no provisioned image ${key} to mark ready`);
    await fs.chmod(path.join(this.dir, info.file), 0o444);
    await this.writeInfo({ ...info, ...facts, state: 'ready' });
  }

  /** Every entry, ready or not, with its size; a disk without its JSON (a crash mid-capture) is listed as capturing. */
  async list(): Promise<ProvisionedImageEntry[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    const keys = new Set<string>();
    for (const name of names) {
      const match = /^([0-9a-f]{16})\.[a-z0-9]+$/.exec(name);
      if (match) keys.add(match[1]);
    }
    const entries = await Promise.all([...keys].map((key) => this.entry(key, names)));
    return entries.filter((e): e is ProvisionedImageEntry => e !== undefined).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Deletes the disk and its JSON; what is gone already is fine. */
  async remove(key: string): Promise<void> {
    const info = await this.readInfo(key);
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    const files = names.filter((name) => name.startsWith(`${key}.`));
    if (info) files.push(info.file);
    // The JSON last: an interrupted removal leaves an entry `list` still shows, never an unlisted disk.
    const disks = [...new Set(files)].filter((name) => name !== `${key}.json`);
    await Promise.all(disks.map((name) => fs.rm(path.join(this.dir, name), { force: true })));
    await fs.rm(this.infoPath(key), { force: true });
  }

  private async entry(key: string, names?: string[]): Promise<ProvisionedImageEntry | undefined> {
    const info = (await this.readInfo(key)) ?? (await this.orphan(key, names));
    if (!info) return undefined;
    const file = path.join(this.dir, info.file);
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat) return info.state === 'capturing' ? { ...info, path: file, sizeBytes: 0 } : undefined;
    return { ...info, path: file, sizeBytes: stat.blocks * 512 };
  }

  /** A disk whose JSON is missing: shown so that prune can clear it, never used. */
  private async orphan(key: string, names?: string[]): Promise<ProvisionedImageInfo | undefined> {
    const file = (names ?? (await fs.readdir(this.dir).catch(() => [] as string[]))).find((name) => name.startsWith(`${key}.`) && !name.endsWith('.json'));
    if (!file) return undefined;
    const stat = await fs.stat(path.join(this.dir, file));
    return { key, state: 'capturing', driver: '', file, baseImageSha256: '', recipe: '', recipeSummary: '', sourceMachine: '', createdAt: stat.mtime.toISOString() };
  }

  private infoPath(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  private async readInfo(key: string): Promise<ProvisionedImageInfo | undefined> {
    try {
      const parsed = JSON.parse(await fs.readFile(this.infoPath(key), 'utf8')) as Partial<ProvisionedImageInfo>;
      if (parsed.key !== key || typeof parsed.file !== 'string' || (parsed.state !== 'ready' && parsed.state !== 'capturing')) return undefined;
      return parsed as ProvisionedImageInfo;
    } catch {
      return undefined;
    }
  }

  private async writeInfo(info: ProvisionedImageInfo): Promise<void> {
    const file = this.infoPath(info.key);
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(temp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    await fs.rename(temp, file);
  }
}
