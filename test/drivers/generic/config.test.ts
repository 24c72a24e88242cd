import { UsageError } from '../../../src/core/errors';
import { genericConfigFromFlags } from '../../../drivers/generic/config';

describe('genericConfigFromFlags', () => {
  it('requires the address and says which flag', () => {
    expect(() => genericConfigFromFlags({})).toThrow(/--generic-ip-address/);
    expect(() => genericConfigFromFlags({ 'generic-ip-address': '  ' })).toThrow(UsageError);
  });

  it('defaults to root on port 22 with the engine on 2376 and ssh-agent', () => {
    expect(genericConfigFromFlags({ 'generic-ip-address': '203.0.113.5' })).toEqual({
      ipAddress: '203.0.113.5',
      sshUser: 'root',
      sshPort: 22,
      enginePort: 2376,
    });
  });

  it('keeps the key path and custom ports', () => {
    expect(
      genericConfigFromFlags({
        'generic-ip-address': 'host.example',
        'generic-ssh-user': 'admin',
        'generic-ssh-key': '/keys/id',
        'generic-ssh-port': 2222,
        'generic-engine-port': 2380,
      }),
    ).toEqual({ ipAddress: 'host.example', sshUser: 'admin', sshKeyPath: '/keys/id', sshPort: 2222, enginePort: 2380 });
  });

  it.each([0, 70000, 1.5])('rejects port %p', (port) => {
    expect(() => genericConfigFromFlags({ 'generic-ip-address': 'h', 'generic-ssh-port': port })).toThrow(UsageError);
  });
});
