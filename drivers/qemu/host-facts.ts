import { execFile } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import type { HostFacts } from './qemu-args';

/** Runs a program and resolves with its output; rejects with the spawn error (ENOENT when missing). */
export function runProgram(file: string, args: string[], timeoutMs = 60_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      if (err) {
        const detail = stderr.trim() || stdout.trim();
        reject(Object.assign(err, { message: detail ? `${err.message.split('\n')[0]}: ${detail}` : err.message, stderr }));
        return;
      }
      resolve({ stdout, stderr });
    });
  });
}

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
  const compiledIn = await runProgram(binary, ['-accel', 'help'], 10_000).then(
    ({ stdout }) => parseAccelHelp(stdout),
    () => [],
  );
  return { platform: process.platform, arch: process.arch, kvmUsable, compiledIn };
}
