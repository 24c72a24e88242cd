/**
 * One SSH connection to a machine, used for one operation: commands and file transfers share it.
 * The ssh2 implementation lives in ./client.ts; provisioning and commands depend only on this shape.
 */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Environment for the remote command, passed as `VAR='value'` assignments, not via SSH env requests. */
  env?: Record<string, string>;
  /** Bytes to feed the command's stdin. */
  stdin?: string | Buffer;
  /** Called with output as it arrives (for logs and progress). */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

export interface RemoteSession {
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Writes a file on the host over SFTP (as the SSH user), creating it with `mode`. */
  writeFile(remotePath: string, content: string | Buffer, mode?: number): Promise<void>;
  readFile(remotePath: string): Promise<Buffer>;
  close(): Promise<void>;
}
