import { pipeline } from 'node:stream/promises';
import { MachineError, OperationError, UsageError, errorMessage } from '../core/errors';
import type { FileEndpoint, FileInfo } from './file-endpoint';
import { debug, msSince } from '../util/debug';

export interface TreeCopyOptions {
  /** Directories are refused unless this is set, as with `cp` and `scp`. */
  recursive: boolean;
}

/**
 * Copies the file or directory at `fromPath` to exactly `toPath` (no "into" guessing: callers decide
 * that), keeping permission bits. An existing destination directory is merged into, an existing file
 * overwritten. Bytes stream from one side to the other, so machine-to-machine copies never touch disk.
 */
export async function copyTree(from: FileEndpoint, fromPath: string, to: FileEndpoint, toPath: string, options: TreeCopyOptions): Promise<void> {
  const info = await from.stat(fromPath);
  if (!info) throw new OperationError('COPY_SOURCE_MISSING', `${from.label(fromPath)}: no such file or directory`);
  await copyEntry(from, fromPath, info, to, toPath, options);
}

async function copyEntry(from: FileEndpoint, fromPath: string, info: FileInfo, to: FileEndpoint, toPath: string, options: TreeCopyOptions): Promise<void> {
  if (info.kind === 'directory') {
    if (!options.recursive) {
      throw new UsageError(`${from.label(fromPath)} is a directory`, ['copy directories with --recursive (-r)']);
    }
    // Owner write and search bits while filling it, so a read-only source directory can be copied;
    // the exact mode is set once its contents are in.
    await to.mkdir(toPath, info.mode | 0o700);
    for (const name of await from.list(fromPath)) {
      const childPath = from.join(fromPath, name);
      const childInfo = await from.stat(childPath);
      if (childInfo) await copyEntry(from, childPath, childInfo, to, to.join(toPath, name), options);
    }
    await to.chmod(toPath, info.mode);
    return;
  }
  if (info.kind !== 'file') {
    throw new OperationError('COPY_UNSUPPORTED', `${from.label(fromPath)} is neither a file nor a directory; only those are copied`);
  }
  await copyFile(from, fromPath, info, to, toPath);
}

async function copyFile(from: FileEndpoint, fromPath: string, info: FileInfo, to: FileEndpoint, toPath: string): Promise<void> {
  const started = performance.now();
  try {
    await pipeline(await from.openRead(fromPath), await to.openWrite(toPath, info.mode | 0o200));
    await to.chmod(toPath, info.mode);
    // Every file of scp and of uploadDir/downloadDir passes here, over SFTP on one side or both.
    debug('ssh', () => `copied ${from.label(fromPath)} to ${to.label(toPath)} (${info.size} bytes, mode ${info.mode.toString(8)}) in ${msSince(started)} ms`);
  } catch (err) {
    if (err instanceof MachineError) throw err;
    throw new OperationError('COPY_FAILED', `cannot copy ${from.label(fromPath)} to ${to.label(toPath)}: ${errorMessage(err)}`, [], err);
  }
}
