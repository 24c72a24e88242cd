import { Flags } from '@oclif/core';
import type { DriverDescriptor } from '../../src/core/driver';
import { readStoredConfig } from '../../src/core/stored-config';
import { GenericConfig, genericConfigFromFlags } from './config';

const helpGroup = 'GENERIC DRIVER';

/** The generic driver: any Linux host that already exists and answers SSH (a VPS, a server, a VM). */
export const genericDriver: DriverDescriptor<GenericConfig> = {
  name: 'generic',
  aliases: ['ssh', 'vps'],
  summary: 'an existing host reachable over SSH',
  unsupported: {
    start: 'the generic driver takes a host it did not make and cannot power it on: start it with your provider',
    kill: 'the generic driver cannot cut the power of a host it did not make: `machine stop` shuts it down over SSH, or use your provider',
  },
  flags: {
    'generic-ip-address': Flags.string({ helpGroup, env: 'GENERIC_IP_ADDRESS', description: 'IP address or hostname of the host' }),
    'generic-ssh-user': Flags.string({ helpGroup, env: 'GENERIC_SSH_USER', description: 'SSH user (needs passwordless sudo unless root)', default: 'root' }),
    'generic-ssh-key': Flags.string({ helpGroup, env: 'GENERIC_SSH_KEY', description: 'private key file; ssh-agent is used when omitted' }),
    'generic-ssh-port': Flags.integer({ helpGroup, env: 'GENERIC_SSH_PORT', description: 'SSH port', default: 22, min: 1, max: 65535 }),
    'generic-engine-port': Flags.integer({ helpGroup, env: 'GENERIC_ENGINE_PORT', description: 'port dockerd listens on with TLS', default: 2376, min: 1, max: 65535 }),
  },
  generatesSshKey: () => false,
  enginePort: (config) => config.enginePort,
  configFromFlags: genericConfigFromFlags,
  readConfig: (stored) =>
    readStoredConfig<GenericConfig>('generic', stored, { ipAddress: 'string', sshUser: 'string', sshPort: 'number', sshKeyPath: 'string?', enginePort: 'number' }),
  async load() {
    const { GenericDriver } = await import('./generic-driver');
    return (env) => new GenericDriver(env);
  },
};
