import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** What each layer may bring in from outside the project: commands stay thin and start-up stays light. */
async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []))),
  );
  return nested.flat();
}

const root = path.join(__dirname, '../..');
/** Each driver's descriptor (drivers/X/index.ts), found on disk so a new driver is checked the day it appears. */
async function driverDescriptors(): Promise<string[]> {
  const entries = await fs.readdir(path.join(root, 'drivers'), { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => path.join(root, 'drivers', e.name, 'index.ts'));
}

const staticImports = (text: string) => [...text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]);

describe('architecture', () => {
  it('commands never import an SDK, ssh2 or child_process', async () => {
    for (const file of await sourceFiles(path.join(root, 'src/commands'))) {
      const text = await fs.readFile(file, 'utf8');
      expect({ file, bad: text.match(/from '(ssh2|node:child_process|child_process|@aws-sdk\/[^']+|@azure\/[^']+)'/g) }).toEqual({ file, bad: null });
    }
  });

  it('drivers import only the contract and shared helpers from src', async () => {
    for (const file of await sourceFiles(path.join(root, 'drivers'))) {
      const text = await fs.readFile(file, 'utf8');
      for (const spec of [...text.matchAll(/from '(\.\.\/\.\.\/src\/[^']+)'/g)].map((m) => m[1])) {
        expect({ file, spec, allowed: /^\.\.\/\.\.\/src\/(core\/(driver|stored-config|errors|machine-record|store\/lock|fs-atomic)|images\/|ssh\/|util\/)/.test(spec) }).toEqual({ file, spec, allowed: true });
      }
    }
  });

  it('nothing loaded at start-up imports ssh2, the x509 library or an SDK at top level', async () => {
    const startup = [...(await sourceFiles(path.join(root, 'src/commands'))), ...(await sourceFiles(path.join(root, 'src/cli'))), path.join(root, 'src/services/driver-registry.ts'), ...(await driverDescriptors())];
    for (const file of startup) {
      const heavy = staticImports(await fs.readFile(file, 'utf8')).filter((s) => /^(ssh2|@peculiar\/x509|@aws-sdk|@azure|@inquirer)/.test(s));
      expect({ file, heavy }).toEqual({ file, heavy: [] });
    }
  });
});
