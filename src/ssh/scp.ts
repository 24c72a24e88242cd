import { UsageError } from '../core/errors';
import { NAME_PATTERN } from '../core/machine-record';
import type { SshSession } from './client';
import { copyTree } from './copy-tree';
import type { FileEndpoint } from './file-endpoint';
import { LocalFiles } from './local-files';

/** One side of `machine scp`: a machine (with an optional user) and a path, or a local path. */
export interface CopyTarget {
  machine?: string;
  user?: string;
  path: string;
}

const WINDOWS_DRIVE = /^[A-Za-z]:([\\/]|$)/;

/**
 * Parses `[user@]machine:path` as scp does: a colon before any slash makes it remote; everything else,
 * `localhost:path`, and Windows paths like `C:\x` are local. On a machine, `~/x` and `x` both mean x in
 * the user's home (SFTP resolves relative paths there; it does not expand `~`), and `machine:` is home.
 */
export function parseCopyTarget(spec: string): CopyTarget {
  const colon = spec.indexOf(':');
  const slash = spec.search(/[\\/]/);
  if (colon <= 0 || (slash !== -1 && slash < colon) || WINDOWS_DRIVE.test(spec)) return { path: spec };

  const prefix = spec.slice(0, colon);
  const at = prefix.lastIndexOf('@');
  const machine = prefix.slice(at + 1);
  const user = at > 0 ? prefix.slice(0, at) : undefined;
  const rest = spec.slice(colon + 1);
  if (machine === 'localhost') return { path: rest || '.' };
  if (!NAME_PATTERN.test(machine)) {
    throw new UsageError(`"${machine}" in "${spec}" is not a machine name`, ['write a remote path as [user@]machine:path, e.g. web1:/tmp/file']);
  }
  return { machine, ...(user ? { user } : {}), path: remotePath(rest) };
}

function remotePath(p: string): string {
  if (p === '' || p === '~') return '.';
  return p.startsWith('~/') ? p.slice(2) || '.' : p;
}

export interface CopyOptions {
  source: string;
  destination: string;
  recursive: boolean;
  /** Opens a session to a machine (as `user` when the target named one). copy closes what it opens. */
  sessionFor(machine: string, user?: string): Promise<SshSession>;
}

/**
 * `machine scp`: local to machine, machine to local, or machine to machine (streamed through this
 * computer). As with cp, copying onto an existing directory puts the source inside it.
 */
export async function copy(options: CopyOptions): Promise<void> {
  const source = parseCopyTarget(options.source);
  const destination = parseCopyTarget(options.destination);
  if (sameTarget(source, destination)) {
    throw new UsageError(`${options.source} and ${options.destination} are the same file`);
  }
  const sessions = new Map<string, Promise<SshSession>>();
  const endpointFor = async (target: CopyTarget): Promise<FileEndpoint> => {
    if (!target.machine) return new LocalFiles();
    const key = `${target.user ?? ''}@${target.machine}`;
    let session = sessions.get(key);
    if (!session) {
      session = options.sessionFor(target.machine, target.user);
      sessions.set(key, session);
    }
    return (await session).files;
  };
  try {
    const from = await endpointFor(source);
    const to = await endpointFor(destination);
    const existing = await to.stat(destination.path);
    const targetPath = existing?.kind === 'directory' ? to.join(destination.path, from.basename(source.path)) : destination.path;
    await copyTree(from, source.path, to, targetPath, { recursive: options.recursive });
  } finally {
    const opened = await Promise.allSettled(sessions.values());
    await Promise.all(opened.map((result) => (result.status === 'fulfilled' ? result.value.close() : undefined)));
  }
}

function sameTarget(a: CopyTarget, b: CopyTarget): boolean {
  return a.machine === b.machine && a.path === b.path;
}
