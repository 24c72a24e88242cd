import * as net from 'node:net';

/**
 * A minimal QMP client: one connection per command. QMP greets, must be told `qmp_capabilities`,
 * then answers each command with a line holding `return` or `error`; asynchronous `event` lines
 * may come in between and are skipped.
 */
export class QmpError extends Error {}

export function qmpCommand(socketPath: string, command: string, timeoutMs = 3_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let buffer = '';
    let step: 'greeting' | 'capabilities' | 'command' = 'greeting';
    const finish = (err: Error | undefined, value?: unknown): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => finish(new QmpError(`QMP did not answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new QmpError('QMP closed the connection')));
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (!line) continue;
        let message: Record<string, unknown>;
        try {
          message = JSON.parse(line) as Record<string, unknown>;
        } catch {
          finish(new QmpError(`QMP sent something that is not JSON: ${line.slice(0, 200)}`));
          return;
        }
        if ('event' in message) continue;
        if ('error' in message) {
          const detail = message.error as { desc?: string } | undefined;
          finish(new QmpError(`QMP ${step === 'command' ? command : 'qmp_capabilities'} failed: ${detail?.desc ?? 'unknown error'}`));
          return;
        }
        if (step === 'greeting' && 'QMP' in message) {
          step = 'capabilities';
          socket.write('{"execute":"qmp_capabilities"}\n');
        } else if (step === 'capabilities' && 'return' in message) {
          step = 'command';
          socket.write(`${JSON.stringify({ execute: command })}\n`);
        } else if (step === 'command' && 'return' in message) {
          finish(undefined, message.return);
          return;
        }
      }
    });
  });
}

/** QMP `query-status` run states mapped onto the states `machine` shows. */
export function stateFromRunStatus(status: string): 'Running' | 'Paused' | 'Starting' | 'Stopping' | 'Error' {
  switch (status) {
    case 'running':
      return 'Running';
    case 'paused':
    case 'suspended':
    case 'save-vm':
      return 'Paused';
    case 'internal-error':
    case 'io-error':
    case 'guest-panicked':
      return 'Error';
    case 'shutdown':
      return 'Stopping';
    default:
      // prelaunch, inmigrate, restore-vm, finish-migrate, postmigrate, debug, watchdog, colo
      return 'Starting';
  }
}
