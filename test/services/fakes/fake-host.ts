import { OperationError } from '../../../src/core/errors';
import type { SshConnector } from '../../../src/services/ssh-connector';
import type { SshConnectOptions } from '../../../src/ssh/client';
import { SshUnreachableError } from '../../../src/ssh/errors';
import { HostKeyPinning } from '../../../src/ssh/host-key-pinning';
import { sha256Fingerprint } from '../../../src/ssh/fingerprint';
import type { WaitForSshOptions } from '../../../src/ssh/wait';
import { freePort, startFakeDockerd, type Listening } from '../../engine/fake-dockerd';
import { FakeSession, type ScriptReply } from '../../provision/fake-session';
import { fakeHostKey } from '../../ssh/fake-host-key';

/** What the provisioning scripts print on a fresh host: the engine installed, configured and restarted. */
export const FRESH_HOST_REPLIES: Record<string, ScriptReply> = {
  'set-hostname': { stdout: 'hostname: set\n::changed hostname\n' },
  'install-engine': { stdout: '::phase apt-install\n::changed packages\n::dockerd /usr/bin/dockerd\n' },
  'configure-engine': { stdout: '::dockerd /usr/bin/dockerd\n::phase restart-engine\nengine: restarted\n::engine restarted\n' },
  'seal-image': { stdout: '::phase remove-identity\nsealed\n::dockerd /usr/bin/dockerd\n' },
};

/**
 * The host a fake driver makes, as the orchestration reaches it: an SSH connector whose sessions are
 * FakeSessions, and a dockerd. The host key is checked against the machine's known_hosts by the real
 * HostKeyPinning, so pins made at create must still hold (or have been carried) later. dockerd is a
 * real mutual-TLS server on loopback: when configure-engine succeeds it (re)starts with the CA,
 * certificate and key that provisioning uploaded, at the address the session was opened to, so the
 * engine wait checks the certificates create issued.
 */
export class FakeHost implements SshConnector {
  /** False: sshd never answers (connect fails, a wait runs out its time). */
  sshAnswers = true;
  /** False: configure-engine says it restarted dockerd, but dockerd never listens. */
  dockerdStarts = true;
  replies: Record<string, ScriptReply> = { ...FRESH_HOST_REPLIES };
  /** What `ip addr` reports on the host. */
  addressReport = '';
  readonly hostKey = fakeHostKey(7);
  readonly sessions: FakeSession[] = [];
  /** Every connection and wait asked for, with its options, in order. */
  readonly attempts: Array<{ kind: 'connect' | 'wait'; options: SshConnectOptions; wait?: WaitForSshOptions }> = [];
  private dockerd: { listening: Listening; host: string } | undefined;

  private constructor(readonly enginePort: number) {}

  static async boot(): Promise<FakeHost> {
    return new FakeHost(await freePort());
  }

  get fingerprint(): string {
    return sha256Fingerprint(this.hostKey);
  }

  /** Where dockerd listens now, if it does. */
  get dockerdAddress(): string | undefined {
    return this.dockerd?.host;
  }

  async connect(options: SshConnectOptions): Promise<FakeSession> {
    this.attempts.push({ kind: 'connect', options });
    if (!this.sshAnswers) throw new SshUnreachableError(options, 'connect ECONNREFUSED');
    return this.open(options);
  }

  async waitFor(options: SshConnectOptions, wait: WaitForSshOptions): Promise<FakeSession> {
    this.attempts.push({ kind: 'wait', options, wait });
    if (!this.sshAnswers) {
      // As the real wait: the whole time passes (on the caller's clock), unless the user interrupts.
      await wait.clock?.sleep(wait.timeoutMs, wait.signal);
      if (wait.signal?.aborted) throw new OperationError('INTERRUPTED', `interrupted while waiting for SSH on machine "${options.machineName}"`);
      throw new OperationError('SSH_TIMEOUT', `machine "${options.machineName}" did not accept SSH on ${options.host}:${options.port} within ${wait.timeoutMs / 1000}s`);
    }
    return this.open(options);
  }

  /** The commands run over every session, in order. */
  commands(): string[] {
    return this.sessions.flatMap((s) => s.commands);
  }

  /** The provisioning scripts the host ran over every session, in order. */
  scriptsRun(): string[] {
    return this.sessions.flatMap((s) => s.ran);
  }

  async stop(): Promise<void> {
    await this.dockerd?.listening.close();
    this.dockerd = undefined;
  }

  private async open(options: SshConnectOptions): Promise<FakeSession> {
    await new HostKeyPinning(options).check(this.hostKey);
    const session = new FakeSession();
    session.user = options.user;
    session.scriptReplies = this.replies;
    session.addressReport = this.addressReport;
    session.onScript = async (script, reply) => {
      if (script === 'configure-engine' && (reply.code ?? 0) === 0) await this.restartDockerd(session, options.host);
    };
    this.sessions.push(session);
    return session;
  }

  private async restartDockerd(session: FakeSession, host: string): Promise<void> {
    await this.stop();
    if (!this.dockerdStarts) return;
    const uploaded = (file: string) => {
      const found = session.files.get(`${session.stagingDir}/${file}`);
      if (!found) throw new Error(`configure-engine ran without ${file} uploaded`);
      return found.content;
    };
    // startFakeDockerd reads only the CA certificate and the server pair; no client pair is involved.
    const material = {
      ca: { certPem: uploaded('ca.pem'), keyPem: '' },
      server: { certPem: uploaded('server.pem'), keyPem: uploaded('server-key.pem') },
      client: { certPem: '', keyPem: '' },
    };
    this.dockerd = { listening: await startFakeDockerd(material, { host, port: this.enginePort }), host };
  }
}
