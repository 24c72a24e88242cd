import { existsSync } from 'node:fs';
import * as path from 'node:path';

let cachedRoot: string | undefined;

/**
 * The folder holding our package.json. Bundled files (keys/, provision-scripts/) live there, and this
 * module runs from src/provision under ts-jest but from dist/src/provision once built, so we search
 * upward instead of counting `..`.
 */
export function packageRoot(startDir: string = __dirname): string {
  if (startDir === __dirname && cachedRoot !== undefined) return cachedRoot;
  let dir = startDir;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) break;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json found above ${startDir}`);
    dir = parent;
  }
  if (startDir === __dirname) cachedRoot = dir;
  return dir;
}

/** Absolute path of a file shipped with the package (listed in package.json "files"). */
export function bundledPath(...segments: string[]): string {
  return path.join(packageRoot(), ...segments);
}
