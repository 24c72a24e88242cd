import { UsageError } from '../../../src/core/errors';
import { hypervConfigFromFlags } from '../../../drivers/hyperv/config';
import { hypervDriver } from '../../../drivers/hyperv';
import { chooseSwitch, checkHost } from '../../../drivers/hyperv/host-check';
import type { HostFacts } from '../../../drivers/hyperv/operations';
import { machineStateOf, preferredAddress } from '../../../drivers/hyperv/state-map';
import { defaultImageUrl } from '../../../src/images/image-source';

describe('hyperv flags', () => {
  it('defaults as docker-machine did, with the Ubuntu LTS cloud image and Secure Boot on', () => {
    expect(hypervConfigFromFlags({})).toEqual({ image: defaultImageUrl(), memoryMb: 2048, cpuCount: 2, diskSizeMb: 20000, dynamicMemory: true, secureBoot: true });
  });

  it('takes every flag, normalising the MAC address to Hyper-V\'s form and local paths to absolute ones', () => {
    const config = hypervConfigFromFlags(
      {
        'hyperv-virtual-switch': 'External LAN',
        'hyperv-memory': 4096,
        'hyperv-cpu-count': 4,
        'hyperv-disk-size': 40000,
        'hyperv-static-macaddress': '00:15:5d:0a:0b:0c',
        'hyperv-vlan-id': 42,
        'hyperv-disable-dynamic-memory': true,
        'hyperv-image': 'images\\..\\disk.vhdx',
        'hyperv-secure-boot': false,
        'hyperv-powershell': 'emulator/powershell',
      },
      '/w',
    );
    expect(config).toEqual({
      image: expect.stringMatching(/^\/w\//),
      virtualSwitch: 'External LAN',
      memoryMb: 4096,
      cpuCount: 4,
      diskSizeMb: 40000,
      staticMacAddress: '00155D0A0B0C',
      vlanId: 42,
      dynamicMemory: false,
      secureBoot: false,
      powershell: '/w/emulator/powershell',
    });
    expect(hypervConfigFromFlags({ 'hyperv-powershell': 'pwsh', 'hyperv-image': 'http://127.0.0.1:8080/x.img' })).toMatchObject({ powershell: 'pwsh', image: 'http://127.0.0.1:8080/x.img' });
  });

  it.each([
    [{ 'hyperv-static-macaddress': '00:15:5d:0a:0b' }, /--hyperv-static-macaddress must be a MAC address/],
    [{ 'hyperv-static-macaddress': '01:00:5e:00:00:01' }, /multicast/],
    [{ 'hyperv-vlan-id': 4095 }, /--hyperv-vlan-id must be a whole number between 1 and 4094/],
    [{ 'hyperv-memory': 100 }, /--hyperv-memory/],
    [{ 'hyperv-memory': 1025 }, /--hyperv-memory must be a multiple of 2 MB/],
    [{ 'hyperv-disk-size': 10 }, /--hyperv-disk-size/],
    [{ 'hyperv-image': 'ftp://host/x.img' }, /--hyperv-image must be an http\(s\) URL/],
    [{ 'hyperv-image-sha256': 'abc' }, /--hyperv-image-sha256/],
  ])('refuses %j', (flags, message) => {
    expect(() => hypervConfigFromFlags(flags)).toThrow(UsageError);
    expect(() => hypervConfigFromFlags(flags)).toThrow(message);
  });

  it('declares docker-machine\'s flag names and environment variables, the powershell override hidden', () => {
    const envOf = (flag: string) => (hypervDriver.flags[flag] as { env?: string }).env;
    expect(Object.keys(hypervDriver.flags).sort()).toEqual(
      ['hyperv-cpu-count', 'hyperv-disable-dynamic-memory', 'hyperv-disk-size', 'hyperv-image', 'hyperv-image-sha256', 'hyperv-memory', 'hyperv-powershell', 'hyperv-secure-boot', 'hyperv-static-macaddress', 'hyperv-virtual-switch', 'hyperv-vlan-id'].sort(),
    );
    expect([envOf('hyperv-virtual-switch'), envOf('hyperv-memory'), envOf('hyperv-cpu-count'), envOf('hyperv-disk-size'), envOf('hyperv-static-macaddress'), envOf('hyperv-vlan-id'), envOf('hyperv-disable-dynamic-memory')]).toEqual([
      'HYPERV_VIRTUAL_SWITCH', 'HYPERV_MEMORY', 'HYPERV_CPU_COUNT', 'HYPERV_DISK_SIZE', 'HYPERV_STATIC_MACADDRESS', 'HYPERV_VLAN_ID', 'HYPERV_DISABLE_DYNAMIC_MEMORY',
    ]);
    expect((hypervDriver.flags['hyperv-powershell'] as { hidden?: boolean }).hidden).toBe(true);
    const stored = JSON.parse(JSON.stringify(hypervConfigFromFlags({ 'hyperv-vlan-id': 7 }))) as Record<string, unknown>;
    expect(hypervDriver.readConfig(stored)).toEqual(stored);
    expect(() => hypervDriver.readConfig({ ...stored, vlanId: '7' })).toThrow(/vlanId/);
  });
});

describe('hyperv pre-create verdict', () => {
  const windows: HostFacts = {
    platform: 'Win32NT', osVersion: 'Microsoft Windows NT 10.0.22631.0', psVersion: '5.1', computerName: 'HOST', hyperVModule: true,
    isAdministrator: false, isHyperVAdministrator: true, vmNameTaken: false, hyperVError: null,
    switches: [{ name: 'Internal', type: 'Internal' }, { name: 'Default Switch', type: 'Internal' }, { name: 'LAN', type: 'External' }],
  };

  it('accepts a Hyper-V Administrator on Windows and picks "Default Switch"', () => {
    expect(checkHost(windows, 'dev1', undefined)).toEqual({ switchName: 'Default Switch' });
    expect(checkHost({ ...windows, isAdministrator: true, isHyperVAdministrator: false }, 'dev1', 'lan')).toEqual({ switchName: 'LAN' });
  });

  it.each([
    [{ platform: 'Unix', osVersion: 'Unix 6.1.0' }, /Hyper-V needs Windows; this PowerShell runs on Unix/],
    [{ hyperVModule: false }, /Hyper-V PowerShell module is not installed/],
    [{ isHyperVAdministrator: false }, /Administrator or a member of Hyper-V Administrators \(S-1-5-32-578\)/],
    [{ hyperVError: { message: 'The Virtual Machine Management Service is not running', category: 'ResourceUnavailable' } }, /did not answer: The Virtual Machine Management Service/],
    [{ vmNameTaken: true }, /already has a virtual machine named "dev1"/],
  ])('refuses with exit 3 when %j', (change, message) => {
    expect(() => checkHost({ ...windows, ...change }, 'dev1', undefined)).toThrow(expect.objectContaining({ exit: 3, message: expect.stringMatching(message) }));
  });

  it('falls back to the first External switch, and lists the switches when none fits', () => {
    expect(chooseSwitch([{ name: 'A', type: 'Private' }, { name: 'Wired', type: 'External' }, { name: 'Wifi', type: 'External' }], undefined)).toBe('Wired');
    expect(() => chooseSwitch([{ name: 'A', type: 'Private' }], undefined)).toThrow(/no virtual switch to use: no "Default Switch" and no External switch; switches here: "A" \(Private\)/);
    expect(() => chooseSwitch([], undefined)).toThrow(/this host has no virtual switch/);
    expect(() => chooseSwitch(windows.switches ?? [], 'Nope')).toThrow(/no virtual switch named "Nope"; switches here: "Internal" \(Internal\), "Default Switch" \(Internal\), "LAN" \(External\)/);
  });
});

describe('hyperv states and addresses', () => {
  it.each([
    ['Running', 'Running'], ['Off', 'Stopped'], ['Saved', 'Stopped'], ['Starting', 'Starting'], ['Stopping', 'Stopping'], ['Paused', 'Paused'], ['OffCritical', 'Error'], ['Other', 'Unknown'],
  ])('Get-VM %s is %s', (vm, machine) => {
    expect(machineStateOf(vm)).toBe(machine);
  });

  it('prefers IPv4, skips link-local, takes a global IPv6 when that is all', () => {
    expect(preferredAddress(['fe80::215:5dff:fe00:1', '172.20.1.5', '2001:db8::5'])).toBe('172.20.1.5');
    expect(preferredAddress(['fe80::1', '169.254.3.3', '2001:db8::5'])).toBe('2001:db8::5');
    expect(preferredAddress(['fe80::1'])).toBeUndefined();
    expect(preferredAddress([])).toBeUndefined();
  });
});
