import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OperationError, UsageError } from '../core/errors';
import { type ImageFlags, isUrl } from './image-source';
import { downloadToFile, fetchText } from './download';
import { downloadProgress, type Terminal } from './download-progress';
import { parseSha256Sums, sha256SumsUrl } from './sha256sums';

/**
 * Base images, cached in the store by content: STORE/cache/images/<sha256>.qcow2 (read-only; machines
 * only ever write their own disk). Shared by the local-VM drivers (qemu, hyperv), each naming its own
 * flags in the messages. A URL is downloaded once, checked against the driver's --X-image-sha256 or
 * the SHA256SUMS published beside it; a local file is hashed and copied in. index.json remembers
 * which URL and which local file (by size and mtime) gave which digest, so a repeat create neither
 * downloads nor re-hashes, and still works offline when SHA256SUMS cannot be fetched.
 */
export interface ResolvedImage {
  path: string;
  sha256: string;
}

export interface ResolveOptions {
  expectedSha256?: string;
  progress?: (message: string) => void;
  signal?: AbortSignal;
  /** Where a download may draw its progress bar, when it is a TTY; process.stderr by default. */
  terminal?: Terminal;
}

interface CacheIndex {
  urls: Record<string, string>;
  files: Record<string, { size: number; mtimeMs: number; sha256: string }>;
}

export function imageCacheDir(storePath: string): string {
  return path.join(storePath, 'cache', 'images');
}

export function cachedImagePath(storePath: string, sha256: string): string {
  return path.join(imageCacheDir(storePath), `${sha256}.qcow2`);
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export class ImageCache {
  private readonly dir: string;

  constructor(
    private readonly storePath: string,
    private readonly flags: ImageFlags,
  ) {
    this.dir = imageCacheDir(storePath);
  }

  async resolve(image: string, options: ResolveOptions = {}): Promise<ResolvedImage> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    return isUrl(image) ? this.resolveUrl(image, options) : this.resolveFile(image, options);
  }

  private async resolveFile(file: string, options: ResolveOptions): Promise<ResolvedImage> {
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat?.isFile()) throw new UsageError(`${this.flags.image} ${file} does not exist or is not a file`);
    const index = await this.readIndex();
    const known = index.files[file];
    let sha256 = known && known.size === stat.size && known.mtimeMs === stat.mtimeMs ? known.sha256 : undefined;
    if (!sha256 || !(await exists(cachedImagePath(this.storePath, sha256)))) {
      options.progress?.(`hashing ${file}`);
      sha256 = await sha256File(file);
    }
    if (options.expectedSha256 && options.expectedSha256 !== sha256) {
      throw checksumError(file, options.expectedSha256, sha256, false, this.flags);
    }
    const target = cachedImagePath(this.storePath, sha256);
    if (!(await exists(target))) {
      options.progress?.(`copying ${file} into the image cache`);
      const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        // A clone where the filesystem can (instant), a copy otherwise. Never a hard link: the user
        // could later change their file under every machine's overlay.
        await fs.copyFile(file, temp, constants.COPYFILE_FICLONE);
        await this.publish(temp, target);
      } catch (err) {
        await fs.rm(temp, { force: true });
        throw diskFullOr(err, `could not copy ${file} into ${this.dir}`);
      }
    }
    await this.updateIndex((i) => (i.files[file] = { size: stat.size, mtimeMs: stat.mtimeMs, sha256: sha256 as string }));
    return { path: target, sha256 };
  }

  private async resolveUrl(url: string, options: ResolveOptions): Promise<ResolvedImage> {
    const expected = options.expectedSha256 ?? (await this.expectedFromSums(url, options));
    const target = cachedImagePath(this.storePath, expected);
    if (await exists(target)) {
      options.progress?.(`using cached image ${expected.slice(0, 12)}`);
      await this.updateIndex((i) => (i.urls[url] = expected));
      return { path: target, sha256: expected };
    }

    // Named by the digest it must have: a later attempt resumes only a download of the same content.
    const part = path.join(this.dir, `${expected}.part`);
    options.progress?.(`downloading ${url}`);
    // The bar goes straight to the terminal, beside options.progress (ctx.progress), because the
    // progress sink deals in whole lines (NDJSON events under --json) and a line that redraws itself
    // is not one. Only a TTY gets it, and a TTY is read by a person, never parsed, so events piped to
    // a program stay clean; off a TTY the plain lines still go through options.progress.
    const shown = downloadProgress(path.posix.basename(new URL(url).pathname), {
      ...(options.progress ? { lines: options.progress } : {}),
      terminal: options.terminal ?? process.stderr,
    });
    try {
      await downloadToFile(url, part, {
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (received, total) => shown.update(received, total),
        onRetry: (message) => shown.note(message),
      });
    } finally {
      shown.finish();
    }
    options.progress?.('verifying the image checksum');
    const actual = await sha256File(part);
    if (actual !== expected) {
      await fs.rm(part, { force: true });
      throw checksumError(url, expected, actual, true, this.flags);
    }
    await this.publish(part, target);
    await this.updateIndex((i) => (i.urls[url] = expected));
    return { path: target, sha256: expected };
  }

  /** The digest SHA256SUMS beside the URL lists for it; the cached answer when the file is unreachable. */
  private async expectedFromSums(url: string, options: ResolveOptions): Promise<string> {
    const sumsUrl = sha256SumsUrl(url);
    const known = (await this.readIndex()).urls[url];
    const fallback = known && (await exists(cachedImagePath(this.storePath, known))) ? known : undefined;
    let text: string | undefined;
    try {
      // With a cached image to fall back on, one attempt: offline, create should not sit through
      // the retries' back-off before using what it has.
      text = await fetchText(sumsUrl, options.signal, {
        ...(options.progress ? { onRetry: options.progress } : {}),
        ...(fallback ? { tuning: { retries: 0 } } : {}),
      });
    } catch (err) {
      if (fallback && !options.signal?.aborted) {
        options.progress?.(`could not fetch ${sumsUrl}; using the image cached from this URL before`);
        return fallback;
      }
      throw err;
    }
    const digest = text === undefined ? undefined : parseSha256Sums(text, path.posix.basename(new URL(url).pathname));
    if (!digest) {
      throw new UsageError(`cannot verify ${url}: ${text === undefined ? `${sumsUrl} does not exist` : `${sumsUrl} does not list it`}`, [
        `pass the image's expected digest with ${this.flags.sha256}`,
      ]);
    }
    return digest;
  }

  private async publish(temp: string, target: string): Promise<void> {
    await fs.chmod(temp, 0o444);
    await fs.rename(temp, target);
  }

  private async readIndex(): Promise<CacheIndex> {
    try {
      const parsed = JSON.parse(await fs.readFile(path.join(this.dir, 'index.json'), 'utf8')) as Partial<CacheIndex>;
      return { urls: parsed.urls ?? {}, files: parsed.files ?? {} };
    } catch {
      // Missing or damaged: the index is only a shortcut, the cache itself is keyed by content.
      return { urls: {}, files: {} };
    }
  }

  private async updateIndex(change: (index: CacheIndex) => void): Promise<void> {
    const index = await this.readIndex();
    change(index);
    const file = path.join(this.dir, 'index.json');
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(temp, `${JSON.stringify(index, null, 2)}\n`, { mode: 0o600 });
    await fs.rename(temp, file);
  }
}

function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

function checksumError(source: string, expected: string, actual: string, deleted: boolean, flags: ImageFlags): OperationError {
  return new OperationError(
    'IMAGE_CHECKSUM',
    `checksum mismatch for ${source}: expected sha256 ${expected}, got ${actual}${deleted ? ' (the download was deleted)' : ''}`,
    [`run create again to download it afresh; if it keeps failing, the image or its SHA256SUMS changed upstream or ${flags.sha256} is wrong`],
  );
}

function diskFullOr(err: unknown, message: string): OperationError {
  if ((err as NodeJS.ErrnoException).code === 'ENOSPC') {
    return new OperationError('IMAGE_DISK_FULL', `${message}: no space left on the device`, ['free some disk space, or point MACHINE_STORAGE_PATH at a larger disk'], err);
  }
  return new OperationError('IMAGE_CACHE', `${message}: ${(err as Error).message}`, [], err);
}
