import { Client } from 'ssh2';

export interface SshTarget {
  host: string;
  sshPort: number;
  user: string;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Opens an SSH connection to a test VM with the test key. Host keys are not checked: the VM is ours. */
export function connectSsh(target: SshTarget, privateKey: string, readyTimeoutMs = 30_000): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({ host: target.host, port: target.sshPort, username: target.user, privateKey, readyTimeout: readyTimeoutMs });
  });
}

/** Runs one command and collects its output; the exit status is returned, not thrown, so tests can assert on it. */
export function execOverSsh(client: Client, command: string, timeoutMs = 600_000): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) {
        reject(error);
        return;
      }
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      const timer = setTimeout(() => {
        channel.close();
        reject(new Error(`timed out after ${timeoutMs} ms: ${command}\n${stdout}${stderr}`));
      }, timeoutMs);
      // A command abandoned by a timed-out test must not keep the test process alive for the full timeout.
      timer.unref();
      channel.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      channel.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      channel.on('exit', (exitCode: number | null) => (code = exitCode));
      channel.on('close', () => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  });
}
