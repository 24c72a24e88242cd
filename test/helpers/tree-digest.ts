import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * One line per entry under `root`: its relative path, type, mode and, for files, the SHA-256 of its
 * bytes. Two equal digests mean nothing was added, removed, rewritten or re-permissioned (the lock's
 * own folder aside: callers compare stores between commands, when no lock is held).
 */
export async function treeDigest(root: string): Promise<string[]> {
  const lines: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      const stat = await fs.lstat(full);
      const mode = (stat.mode & 0o7777).toString(8);
      const rel = path.relative(root, full);
      if (entry.isDirectory()) {
        lines.push(`${rel}/ ${mode}`);
        await visit(full);
      } else if (entry.isSymbolicLink()) {
        lines.push(`${rel} -> ${await fs.readlink(full)}`);
      } else {
        lines.push(`${rel} ${mode} ${createHash('sha256').update(await fs.readFile(full)).digest('hex')}`);
      }
    }
  };
  await visit(root);
  return lines;
}
