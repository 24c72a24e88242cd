import * as fs from 'node:fs';
import * as net from 'node:net';

/**
 * The stand-in for powershell.exe that the Hyper-V driver is pointed at in tests (--hyperv-powershell
 * or MACHINE_HYPERV_POWERSHELL, through the `powershell` shim beside this file). It accepts what the
 * driver's runner passes, as powershell.exe would: `-NoProfile -NonInteractive -ExecutionPolicy Bypass
 * -File SCRIPT`, the parameters on stdin; it refuses other switches and a script that does not exist,
 * then has the emulated host (server.ts) run that script's behaviour and prints its answer.
 */
const EXPECTED_SWITCHES = ['-noprofile', '-noninteractive', '-executionpolicy', 'bypass', '-file'];

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args[args.length - 1];
  const switches = args.slice(0, -1).map((a) => a.toLowerCase());
  if (file === undefined || switches.join(' ') !== EXPECTED_SWITCHES.join(' ')) {
    fail(`hyperv emulator: expected ${EXPECTED_SWITCHES.join(' ')} SCRIPT, got: ${args.join(' ')}`, 64);
  }
  if (!fs.existsSync(file) || !file.toLowerCase().endsWith('.ps1')) {
    // Windows PowerShell's own words for a -File argument that is not a script.
    fail(`The argument '${file}' to the -File parameter does not exist. Provide the path to an existing '.ps1' file as an argument to the -File parameter.`, 64);
  }
  const socketPath = process.env.MACHINE_TEST_HYPERV_HOST;
  if (!socketPath) fail('hyperv emulator: MACHINE_TEST_HYPERV_HOST is not set (the emulated host\'s socket)', 70);
  const input = fs.readFileSync(0, 'utf8');
  const socket = net.createConnection(socketPath);
  let reply = '';
  socket.on('connect', () => socket.write(`${JSON.stringify({ file, input })}\n`));
  socket.on('data', (chunk: Buffer) => (reply += chunk.toString('utf8')));
  socket.on('error', (err) => fail(`hyperv emulator: cannot reach the emulated host at ${socketPath}: ${err.message}`, 70));
  socket.on('end', () => {
    const { stdout, exitCode } = JSON.parse(reply) as { stdout: string; exitCode: number };
    process.stdout.write(stdout);
    process.exitCode = exitCode;
  });
}

main();
