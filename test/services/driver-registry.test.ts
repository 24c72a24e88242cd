import { LIFECYCLE_OPERATIONS } from '../../src/core/driver';
import { driverNamesWithAliases, findDriver, registeredDrivers } from '../../src/services/driver-registry';

describe('driver registry', () => {
  it('finds a driver by the names people use, case-insensitively', () => {
    expect(findDriver('aws').name).toBe('amazonec2');
    expect(findDriver('EC2').name).toBe('amazonec2');
    expect(findDriver('ssh').name).toBe('generic');
    expect(findDriver('vps').name).toBe('generic');
    expect(findDriver('qemu').name).toBe('qemu');
    expect(findDriver('az').name).toBe('azure');
    expect(findDriver('Hyperv').name).toBe('hyperv');
  });

  it('refuses an unknown driver, listing names with their aliases', () => {
    expect(() => findDriver('virtualbox')).toThrow(expect.objectContaining({ exit: 2, suggestions: [`available drivers: ${driverNamesWithAliases()}`] }));
    expect(driverNamesWithAliases()).toBe('generic (ssh, vps), qemu, amazonec2 (aws, ec2), azure (az), hyperv');
  });

  it('no name or alias belongs to two drivers', () => {
    const all = registeredDrivers().flatMap((d) => [d.name, ...d.aliases]);
    expect(new Set(all).size).toBe(all.length);
  });

  it('every driver flag starts with its driver name, and unsupported names only lifecycle operations', () => {
    for (const driver of registeredDrivers()) {
      for (const flag of Object.keys(driver.flags)) expect(`${driver.name}: ${flag}`).toMatch(new RegExp(`^${driver.name}: ${driver.name}-`));
      for (const op of Object.keys(driver.unsupported)) expect(LIFECYCLE_OPERATIONS).toContain(op);
    }
  });

  it('reads a stored config back, and refuses one that does not fit the driver', async () => {
    const generic = findDriver('generic');
    const stored = generic.configFromFlags({ 'generic-ip-address': '203.0.113.5', 'generic-ssh-port': 2222 });
    expect(stored).toEqual({ ipAddress: '203.0.113.5', sshUser: 'root', sshPort: 2222, enginePort: 2376 });
    expect(generic.enginePort(stored)).toBe(2376);
    expect(() => generic.enginePort({ ...stored, enginePort: '2376' })).toThrow(/stored generic driver config does not fit.*enginePort should be number/);
    expect(() => generic.generatesSshKey({ sshUser: 'root' })).toThrow(/ipAddress should be string; sshPort should be number/);
    const env = { machineName: 'x', machineDir: '/nowhere/x', storePath: '/nowhere', state: {}, resources: [] };
    await expect(generic.open({ ...env, config: { ...stored, sshKeyPath: 7 } })).rejects.toThrow(/sshKeyPath should be absent or string/);
  });
});
