import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The layers of the code base, lowest first. A file may import files of its own unit and of units in
 * lower layers, never upward and never sideways into another unit of its own layer. Every folder under
 * `drivers/` is a unit of the driver layer, found on disk: a new driver is checked the day it appears,
 * and no driver may import another.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['src/core'], // record, store, errors, the driver contract: the ground everything may use
  ['src/util'], // small helpers with no knowledge of machines (child processes, waiting, flags)
  ['src/tls'],
  ['src/ssh'],
  ['src/provision', 'src/engine', 'src/images'], // images: cloud-image download, verify and cache; the NoCloud seed ISO; disk formats
  ['drivers/*'],
  ['src/services'], // orchestration: the app object, the driver registry, create/lifecycle/remove...
  ['src/cli'],
  ['src/commands'],
];

export interface SourceFile {
  /** Repository-relative, with forward slashes. */
  file: string;
  /** Every module specifier it names: static, type-only, re-exported and dynamic imports. */
  specifiers: string[];
}

export interface Violation {
  file: string;
  imports: string;
  why: string;
}

/** The unit a repository-relative path belongs to (`src/ssh`, `drivers/qemu`), or undefined outside the layered folders. */
export function unitOf(file: string): string | undefined {
  const parts = file.split('/');
  if ((parts[0] === 'src' || parts[0] === 'drivers') && parts.length >= 3) return `${parts[0]}/${parts[1]}`;
  return undefined;
}

export function layerOf(unit: string): number {
  const index = LAYERS.findIndex((layer) => layer.some((u) => u === unit || (u.endsWith('/*') && unit.startsWith(u.slice(0, -1)))));
  return index;
}

export function findViolations(files: readonly SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  for (const { file, specifiers } of files) {
    const from = unitOf(file);
    if (!from) {
      violations.push({ file, imports: '', why: 'a source file outside any unit (src/X/ or drivers/X/)' });
      continue;
    }
    const fromLayer = layerOf(from);
    if (fromLayer < 0) {
      violations.push({ file, imports: '', why: `${from} is in no layer: add it to LAYERS in test/architecture/layers.ts` });
      continue;
    }
    for (const spec of specifiers) {
      if (!spec.startsWith('.')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      const to = unitOf(target);
      if (!to || to === from) continue;
      const toLayer = layerOf(to);
      if (toLayer < 0) violations.push({ file, imports: spec, why: `${to} is in no layer` });
      else if (toLayer > fromLayer) violations.push({ file, imports: spec, why: `${from} (layer ${fromLayer}) imports ${to} (layer ${toLayer}), which is above it` });
      else if (toLayer === fromLayer) violations.push({ file, imports: spec, why: `${from} imports ${to}, a sibling in the same layer` });
    }
  }
  return violations;
}

const SPECIFIER = /(?:^|[\s;])(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|require\(\s*'([^']+)'\s*\)/gms;

export function specifiersOf(text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** Every .ts file under `dir` (repository-relative), read from disk. */
export function readSources(root: string, dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.ts')) out.push({ file: child, specifiers: specifiersOf(readFileSync(path.join(root, child), 'utf8')) });
    }
  };
  walk(dir);
  return out;
}
