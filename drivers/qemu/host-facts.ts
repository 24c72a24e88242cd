import { constants, promises as fs } from 'node:fs';
import { runProcess } from '../../src/util/run-process';
import type { HostFacts } from './qemu-args';

/** Lists the accelerators compiled into `binary`: "Accelerators supported in QEMU binary:\ntcg\nkvm". */
export function parseAccelHelp(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^[a-z]+$/.test(line));
}

export async function gatherHostFacts(binary: string): Promise<HostFacts> {
  const kvmUsable =
    process.platform === 'linux' &&
    (await fs.access('/dev/kvm', constants.R_OK | constants.W_OK).then(
      () => true,
      () => false,
    ));
  const compiledIn = await runProcess(binary, ['-accel', 'help'], { timeoutMs: 10_000 }).then(
    ({ stdout }) => parseAccelHelp(stdout),
    () => [],
  );
  return { platform: process.platform, arch: process.arch, kvmUsable, compiledIn };
}
