import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAccelHelp } from '../../../drivers/qemu/host-facts';
import { overlayArgs, parseImageInfo, sizeInBytes } from '../../../drivers/qemu/overlay';
import { isOurProcess, parseProcStat, readPidfile } from '../../../drivers/qemu/process';
import { qmpCommand, stateFromRunStatus } from '../../../drivers/qemu/qmp';
import { cleanConsoleText, serialLogTail } from '../../../drivers/qemu/serial-log';
import { parseSha256Sums, sha256SumsUrl } from '../../../src/images/sha256sums';

let dir: string;
beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'qemu-helpers-'))));
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

describe('SHA256SUMS', () => {
  const digest = 'a'.repeat(64);
  it('finds the line for the file, text or binary mode', () => {
    const text = `${'b'.repeat(64)} *other.img\n${digest.toUpperCase()} *noble.img\r\n`;
    expect(parseSha256Sums(text, 'noble.img')).toBe(digest);
    expect(parseSha256Sums(`${digest}  ./x.img\n`, 'x.img')).toBe(digest);
    expect(parseSha256Sums(text, 'missing.img')).toBeUndefined();
  });
  it('lives beside the image', () => {
    expect(sha256SumsUrl('https://h/releases/26.04/release/u.img')).toBe('https://h/releases/26.04/release/SHA256SUMS');
  });
});

describe('overlay', () => {
  it('grows to the requested size but never shrinks below the base', () => {
    expect(sizeInBytes('20G')).toBe(20 * 1024 ** 3);
    expect(sizeInBytes('512')).toBe(512);
    const info = parseImageInfo('{"format":"qcow2","virtual-size":3758096384}');
    expect(overlayArgs('/c/base.qcow2', info, '/m/disk.qcow2', '20G')).toEqual(['create', '-q', '-f', 'qcow2', '-b', '/c/base.qcow2', '-F', 'qcow2', '/m/disk.qcow2', '20G']);
    expect(overlayArgs('/c/base.qcow2', info, '/m/disk.qcow2', '1G')).not.toContain('1G');
  });
});

describe('host facts', () => {
  it('parses -accel help', () => {
    expect(parseAccelHelp('Accelerators supported in QEMU binary:\ntcg\nkvm\n')).toEqual(['tcg', 'kvm']);
  });
});

describe('process identity', () => {
  it('parses /proc/PID/stat even with spaces and parentheses in the name', () => {
    const fields = ['S', ...Array.from({ length: 18 }, (_, i) => String(i + 4)), '987654', '23'];
    expect(parseProcStat(`42 (qemu (x) y) ${fields.join(' ')}`)).toEqual({ state: 'S', startTime: '987654' });
  });

  it('reads pidfiles, tolerating junk', async () => {
    await fs.writeFile(path.join(dir, 'a.pid'), '1234\n');
    await fs.writeFile(path.join(dir, 'b.pid'), 'nope');
    expect(await readPidfile(path.join(dir, 'a.pid'))).toBe(1234);
    expect(await readPidfile(path.join(dir, 'b.pid'))).toBeUndefined();
    expect(await readPidfile(path.join(dir, 'c.pid'))).toBeUndefined();
  });

  (process.platform === 'linux' ? it : it.skip)('accepts only a process with the recorded start time naming the machine folder', async () => {
    const stat = await fs.readFile(`/proc/${process.pid}/stat`, 'utf8');
    const startTime = parseProcStat(stat)?.startTime ?? '';
    const cmdline = (await fs.readFile(`/proc/${process.pid}/cmdline`, 'utf8')).split('\0');
    const inCmdline = cmdline.find((a) => a.startsWith('/')) ?? '/';
    expect(await isOurProcess({ pid: process.pid, startTime }, path.dirname(inCmdline))).toBe(true);
    expect(await isOurProcess({ pid: process.pid, startTime: `${startTime}1` }, path.dirname(inCmdline))).toBe(false);
    expect(await isOurProcess({ pid: process.pid, startTime }, '/no/such/machine/dir')).toBe(false);
    expect(await isOurProcess({ pid: 2 ** 22 + 7 }, '/')).toBe(false);
  });
});

describe('QMP', () => {
  it('negotiates capabilities, skips events and returns the answer', async () => {
    const socketPath = path.join(dir, 'qmp.sock');
    const seen: string[] = [];
    const server = net.createServer((socket) => {
      socket.write('{"QMP": {"version": {}, "capabilities": []}}\r\n');
      socket.on('data', (data: Buffer) => {
        for (const line of data.toString().split('\n').filter(Boolean)) {
          const { execute } = JSON.parse(line) as { execute: string };
          seen.push(execute);
          if (execute === 'qmp_capabilities') socket.write('{"return": {}}\r\n');
          else socket.write('{"event": "RESUME", "timestamp": {}}\r\n{"return": {"status": "running", "running": true}}\r\n');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      expect(await qmpCommand(socketPath, 'query-status')).toEqual({ status: 'running', running: true });
      expect(seen).toEqual(['qmp_capabilities', 'query-status']);
    } finally {
      server.close();
    }
  });

  it('fails fast when nothing listens', async () => {
    await expect(qmpCommand(path.join(dir, 'none.sock'), 'query-status')).rejects.toThrow();
  });

  it('maps run states', () => {
    expect(stateFromRunStatus('running')).toBe('Running');
    expect(stateFromRunStatus('paused')).toBe('Paused');
    expect(stateFromRunStatus('guest-panicked')).toBe('Error');
    expect(stateFromRunStatus('shutdown')).toBe('Stopping');
    expect(stateFromRunStatus('prelaunch')).toBe('Starting');
  });
});

describe('serial log', () => {
  it('returns the last lines without escape sequences', async () => {
    const file = path.join(dir, 'serial.log');
    await fs.writeFile(file, `${Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\r\n')}\r\n\x1b[0;32m  OK  \x1b[0m] Started ssh\r\n`);
    const tail = await serialLogTail(file, 3);
    expect(tail).toBe('line 48\nline 49\n  OK  ] Started ssh');
    expect(await serialLogTail(path.join(dir, 'missing.log'))).toBe('');
    expect(cleanConsoleText('a\x1b[2Jb\x07')).toBe('ab');
  });
});
