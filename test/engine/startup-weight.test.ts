import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * `machine env` must start in about 110 ms, so nothing it loads may pull in TLS, HTTP, ssh2, the
 * X.509 library or child processes at top level, directly or through another module.
 */
const HEAVY = /^(node:)?(https?|tls|http2|child_process)$|^(ssh2|@peculiar\/x509|@aws-sdk|@azure|@inquirer)/;
const src = path.join(__dirname, '../../src');

function valueImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]);
}

function heavyImportsOf(entry: string): string[] {
  const seen = new Set<string>();
  const heavy: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of valueImports(file)) {
      if (spec.startsWith('.')) visit(`${path.resolve(path.dirname(file), spec)}.ts`);
      else if (HEAVY.test(spec)) heavy.push(`${path.relative(src, file)} -> ${spec}`);
    }
  };
  visit(path.join(src, entry));
  return heavy;
}

describe('start-up weight of what `machine env`, `config`, `active` and `ls` load', () => {
  it.each([
    'engine/env-script.ts',
    'engine/shell-detect.ts',
    'engine/docker-env.ts',
    'engine/active.ts',
    'engine/engine-client.ts',
    'engine/docker-config.ts',
    'engine/docker-context-store.ts',
    'engine/machine-context.ts',
    'engine/context-conflicts.ts',
    'cli/env-output.ts',
    'cli/fast-env.ts',
    'cli/listing/ls-filter.ts',
    'cli/listing/ls-format.ts',
    'cli/listing/collect.ts',
  ])('%s imports nothing heavy at top level', (entry) => {
    expect(heavyImportsOf(entry)).toEqual([]);
  });
});
