import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launchQemu } from '../../../drivers/qemu/launch';
import { FakeClock } from '../../helpers/fake-clock';

/**
 * launchQemu against stand-ins for QEMU: small sh scripts that behave as `qemu -daemonize` does at its
 * edges (write the pidfile and exit 0, or print QEMU's own error and exit 1). The real QEMU is in
 * qemu-real.test.ts (opt-in: it boots a VM).
 */
let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'qemu-launch-'));
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

async function standIn(body: string): Promise<string> {
  const file = path.join(dir, 'fake-qemu');
  await fs.writeFile(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

const options = () => ({ daemonize: true, pidfile: path.join(dir, 'qemu.pid'), cwd: dir });

it('returns the pid the daemon wrote once the starting process exits 0', async () => {
  const binary = await standIn('echo 4242 > "$2"; exit 0');
  expect(await launchQemu(binary, ['-pidfile', path.join(dir, 'qemu.pid'), '-daemonize'], options())).toEqual({ pid: 4242 });
});

it('runs QEMU in the machine folder, which holds its relative paths', async () => {
  const binary = await standIn('pwd > started-in; echo 7 > qemu.pid');
  await launchQemu(binary, [], options());
  expect((await fs.readFile(path.join(dir, 'started-in'), 'utf8')).trim()).toBe(await fs.realpath(dir));
});

it('reports a failed start with the exit status, QEMU\'s words and the port advice', async () => {
  const binary = await standIn(`echo "qemu-system-x86_64: -netdev user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22: Could not set up host forwarding rule 'tcp:127.0.0.1:40022-:22'" >&2; exit 1`);
  const error = await launchQemu(binary, [], options()).catch((e: unknown) => e);
  expect(error).toMatchObject({
    code: 'QEMU_START',
    message: `QEMU (${binary}) failed to start (exit 1): qemu-system-x86_64: -netdev user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22: Could not set up host forwarding rule 'tcp:127.0.0.1:40022-:22'`,
    suggestions: [expect.stringContaining("took one of this machine's ports")],
  });
});

it('says so when the binary is not there', async () => {
  const binary = path.join(dir, 'no-qemu-here');
  await expect(launchQemu(binary, [], options())).rejects.toMatchObject({ code: 'QEMU_START', message: `QEMU (${binary}) failed to start (it is not installed or not on PATH)` });
});

it('gives up on a start that wrote no pidfile after ten seconds, on the clock', async () => {
  const binary = await standIn('echo "warning: something odd" >&2; exit 0');
  const clock = new FakeClock();
  const error = await launchQemu(binary, [], { ...options(), clock }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'QEMU_START', message: `QEMU (${binary}) failed to start (it wrote no pidfile): warning: something odd` });
  expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(10_000);
});
