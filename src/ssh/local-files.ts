import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { isNotFound } from '../util/read-if-exists';
import { fileInfoFromMode, type FileEndpoint, type FileInfo } from './file-endpoint';

/** This computer's files, as one side of a copy. */
export class LocalFiles implements FileEndpoint {
  label(p: string): string {
    return p;
  }
  join(dir: string, name: string): string {
    return path.join(dir, name);
  }
  basename(p: string): string {
    return path.basename(p);
  }

  async stat(p: string): Promise<FileInfo | undefined> {
    try {
      const stats = await fs.stat(p);
      return fileInfoFromMode(stats.mode, stats.size);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(dir: string): Promise<string[]> {
    return fs.readdir(dir);
  }

  async mkdir(dir: string, mode: number): Promise<void> {
    await fs.mkdir(dir, { mode, recursive: true });
  }

  async openRead(p: string): Promise<Readable> {
    return createReadStream(p);
  }

  async openWrite(p: string, mode: number): Promise<Writable> {
    return createWriteStream(p, { mode });
  }

  async chmod(p: string, mode: number): Promise<void> {
    await fs.chmod(p, mode);
  }
}
