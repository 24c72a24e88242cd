import { promises as fs } from 'node:fs';
import { utils, type ConnectConfig } from 'ssh2';
import { OperationError, errorMessage } from '../core/errors';

export interface CredentialSource {
  user: string;
  privateKeyPath?: string;
  useAgent?: boolean;
}

export interface Credentials {
  config: Pick<ConnectConfig, 'privateKey' | 'agent'>;
  /** What is offered, for the authentication-failed message. */
  description: string;
}

const KEY_SUGGESTIONS = [
  'give a readable, unencrypted private key with --generic-ssh-key, or load the key into ssh-agent',
];

/**
 * Reads the key file and finds the agent before connecting, so a missing or passphrase-protected key is
 * reported as what it is instead of surfacing later as an authentication failure.
 */
export async function loadCredentials(source: CredentialSource): Promise<Credentials> {
  const config: Credentials['config'] = {};
  const offered: string[] = [];
  if (source.privateKeyPath) {
    const key = await fs.readFile(source.privateKeyPath).catch((err: unknown) => {
      throw new OperationError('SSH_KEY_UNREADABLE', `cannot read SSH private key ${source.privateKeyPath}: ${errorMessage(err)}`, KEY_SUGGESTIONS, err);
    });
    const parsed = utils.parseKey(key);
    if (parsed instanceof Error) {
      throw new OperationError('SSH_KEY_INVALID', `cannot use SSH private key ${source.privateKeyPath}: ${parsed.message}`, KEY_SUGGESTIONS, parsed);
    }
    config.privateKey = key;
    offered.push(`key ${source.privateKeyPath}`);
  }
  if (source.useAgent) {
    const socket = process.env.SSH_AUTH_SOCK;
    if (socket) {
      config.agent = socket;
      offered.push(`ssh-agent at ${socket}`);
    } else if (!source.privateKeyPath) {
      throw new OperationError('SSH_AGENT_MISSING', 'SSH_AUTH_SOCK is not set, so there is no ssh-agent to authenticate with', [
        'start ssh-agent and add your key (`eval "$(ssh-agent)" && ssh-add`), or give a key with --generic-ssh-key',
      ]);
    }
  }
  if (offered.length === 0) {
    throw new OperationError('SSH_NO_CREDENTIALS', `no SSH key or agent is configured for user "${source.user}"`, KEY_SUGGESTIONS);
  }
  return { config, description: offered.join(' and ') };
}
