import type { Readable, Writable } from 'node:stream';

/**
 * One side of a file copy: this computer's disk or a machine over SFTP. Copies (scp, uploadDir,
 * downloadDir) are written once against this shape, so every direction behaves the same.
 */
export type FileKind = 'file' | 'directory' | 'other';

export interface FileInfo {
  kind: FileKind;
  /** Permission bits only (0o7777). */
  mode: number;
  size: number;
}

export interface FileEndpoint {
  /** How a path on this side is shown in messages: `/tmp/x` or `web1:/tmp/x`. */
  label(path: string): string;
  join(dir: string, name: string): string;
  basename(path: string): string;
  /** Follows symbolic links, as `scp -r` does. Undefined when nothing is there. */
  stat(path: string): Promise<FileInfo | undefined>;
  list(dir: string): Promise<string[]>;
  /** Creates one directory; succeeds when it already exists. */
  mkdir(dir: string, mode: number): Promise<void>;
  openRead(path: string): Promise<Readable>;
  /** Creates or truncates the file. */
  openWrite(path: string, mode: number): Promise<Writable>;
  chmod(path: string, mode: number): Promise<void>;
}

export const PERMISSION_BITS = 0o7777;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/** Reads the type and permission bits out of a POSIX st_mode, as both fs and SFTP report it. */
export function fileInfoFromMode(mode: number, size: number): FileInfo {
  const type = mode & S_IFMT;
  const kind: FileKind = type === S_IFDIR ? 'directory' : type === S_IFREG ? 'file' : 'other';
  return { kind, mode: mode & PERMISSION_BITS, size };
}
