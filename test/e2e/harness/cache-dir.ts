import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../../../src/provision/package-root';

/**
 * Where the end-to-end harness keeps what is slow to make (VM images, downloaded .debs, the busybox
 * rootfs) between runs. Same rule as test/e2e/vm/image.sh, so shell and TypeScript share one cache.
 */
export function testCacheDir(): string {
  return process.env.MACHINE_TEST_CACHE ?? path.join(os.homedir(), '.cache', 'machine-test');
}

/** The folder holding test/e2e/vm/*.sh, found from the package root so compiled copies (dist/) work too. */
export const vmScriptsDir = path.join(packageRoot(__dirname), 'test', 'e2e', 'vm');
