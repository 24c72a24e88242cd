import * as posix from 'node:path/posix';
import type { Readable, Writable } from 'node:stream';
import type { SFTPWrapper } from 'ssh2';
import { MachineError, OperationError, errorMessage } from '../core/errors';
import { fileInfoFromMode, type FileEndpoint, type FileInfo } from './file-endpoint';
import { debug, msSince } from '../util/debug';

/** SFTP status codes we tell apart (draft-ietf-secsh-filexfer-02, section 7). */
const SFTP_NO_SUCH_FILE = 2;

type Callback<T> = (err: Error | null | undefined, value: T) => void;

function call<T>(operation: (callback: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => operation((err, value) => (err ? reject(err) : resolve(value))));
}

function isMissing(err: unknown): boolean {
  return (err as { code?: unknown }).code === SFTP_NO_SUCH_FILE;
}

/**
 * A machine's files over SFTP, as one side of a copy, plus the whole-file reads and writes
 * provisioning uses. Relative paths are relative to the SSH user's home, as sftp-server resolves them.
 */
export class RemoteFiles implements FileEndpoint {
  constructor(
    private readonly machineName: string,
    private readonly sftp: () => Promise<SFTPWrapper>,
  ) {}

  label(p: string): string {
    return `${this.machineName}:${p}`;
  }
  join(dir: string, name: string): string {
    return posix.join(dir, name);
  }
  basename(p: string): string {
    return posix.basename(p);
  }

  async stat(p: string): Promise<FileInfo | undefined> {
    const sftp = await this.sftp();
    try {
      const stats = await call<{ mode: number; size: number }>((cb) => sftp.stat(p, cb));
      return fileInfoFromMode(stats.mode, stats.size);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.failure('inspect', p, err);
    }
  }

  async list(dir: string): Promise<string[]> {
    const sftp = await this.sftp();
    const entries = await call<{ filename: string }[]>((cb) => sftp.readdir(dir, cb)).catch((err: unknown) => {
      throw this.failure('list', dir, err);
    });
    return entries.map((entry) => entry.filename).filter((name) => name !== '.' && name !== '..');
  }

  async mkdir(dir: string, mode: number): Promise<void> {
    // sftp-server answers a bare "failure" when the directory exists, so look first.
    const existing = await this.stat(dir);
    if (existing?.kind === 'directory') return;
    const sftp = await this.sftp();
    await call<void>((cb) => sftp.mkdir(dir, { mode }, (err) => cb(err, undefined))).catch((err: unknown) => {
      throw this.failure('create directory', dir, err);
    });
  }

  /** Creates `dir` and every missing parent. */
  async mkdirp(dir: string, mode = 0o755): Promise<void> {
    if ((await this.stat(dir))?.kind === 'directory') return;
    const parent = posix.dirname(dir);
    if (parent !== dir) await this.mkdirp(parent, mode);
    await this.mkdir(dir, mode);
  }

  async openRead(p: string): Promise<Readable> {
    return (await this.sftp()).createReadStream(p);
  }

  async openWrite(p: string, mode: number): Promise<Writable> {
    return (await this.sftp()).createWriteStream(p, { flags: 'w', mode });
  }

  async chmod(p: string, mode: number): Promise<void> {
    const sftp = await this.sftp();
    await call<void>((cb) => sftp.chmod(p, mode, (err) => cb(err, undefined))).catch((err: unknown) => {
      throw this.failure('change the mode of', p, err);
    });
  }

  async writeFile(p: string, content: string | Buffer, mode = 0o644): Promise<void> {
    const started = performance.now();
    const sftp = await this.sftp();
    await call<void>((cb) => sftp.writeFile(p, content, { mode }, (err) => cb(err, undefined))).catch((err: unknown) => {
      throw this.failure('write', p, err);
    });
    // The mode given at open is narrowed by sftp-server's umask and ignored for an existing file.
    await this.chmod(p, mode);
    debug('ssh', () => `sftp wrote ${this.label(p)} (${Buffer.byteLength(content)} bytes, mode ${mode.toString(8)}) in ${msSince(started)} ms`);
  }

  async readFile(p: string): Promise<Buffer> {
    const sftp = await this.sftp();
    return call<Buffer>((cb) => sftp.readFile(p, cb)).catch((err: unknown) => {
      throw this.failure('read', p, err);
    });
  }

  private failure(action: string, p: string, err: unknown): MachineError {
    if (err instanceof MachineError) return err;
    return new OperationError('SSH_FILE_TRANSFER', `cannot ${action} ${this.label(p)}: ${errorMessage(err)}`, [], err);
  }
}
