import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MachineRecord } from '../../src/core/machine-record';
import { RECORD_SCHEMA_VERSION } from '../../src/core/machine-record';

/** Folders made by makeTempDir in this test file; test/helpers/test-file-cleanup.ts removes them after its last test. */
const madeTempDirs: string[] = [];

export async function makeTempDir(prefix = 'machine-test-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  madeTempDirs.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  const dirs = madeTempDirs.splice(0);
  await Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true })));
}

export function sampleRecord(name: string, overrides: Partial<MachineRecord> = {}): MachineRecord {
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    name,
    driver: 'generic',
    status: 'ready',
    createdAt: '2026-11-23T00:00:00.000Z',
    driverConfig: { ipAddress: '203.0.113.5', sshUser: 'admin', sshPort: 22, enginePort: 2376 },
    driverState: {},
    resources: [],
    ip: '203.0.113.5',
    ssh: { host: '203.0.113.5', port: 22, user: 'admin', keyPath: '/home/u/.ssh/id_ed25519' },
    engine: { install: 'distro', port: 2376, labels: [], opts: [], env: [], insecureRegistries: [], registryMirrors: [] },
    tls: { keyType: 'ecdsa', sans: [] },
    // The key is the user's own (given on the command line), so the record lists it as theirs.
    userPaths: ['/home/u/.ssh/id_ed25519'],
    ...overrides,
  };
}
