import { type HostFacts, type LaunchSpec, accelProblem, buildQemuArgs, defaultBinary, escapeOptionValue, macFor, resolveAccel } from '../../../drivers/qemu/qemu-args';

const linux: HostFacts = { platform: 'linux', arch: 'x64', kvmUsable: true, compiledIn: ['tcg', 'kvm'] };

const spec: LaunchSpec = {
  machineName: 'dev1',
  arch: 'x64',
  accel: 'tcg',
  cpus: 2,
  memoryMb: 2048,
  diskPath: '/s/machines/dev1/disk.qcow2',
  seedPath: '/s/machines/dev1/seed.iso',
  sshPort: 40022,
  enginePort: 40376,
  guestEnginePort: 2376,
  pidfile: '/s/machines/dev1/qemu.pid',
  qmpSocket: '/s/machines/dev1/qmp.sock',
  serialLog: '/s/machines/dev1/serial.log',
  daemonize: true,
};

/** The value following `option` (the first occurrence). */
const after = (args: string[], option: string): string | undefined => args[args.indexOf(option) + 1];
const allAfter = (args: string[], option: string): string[] => args.flatMap((a, i) => (a === option ? [args[i + 1] ?? ''] : []));

describe('resolveAccel', () => {
  it.each([
    [{ ...linux }, 'kvm'],
    [{ ...linux, kvmUsable: false }, 'tcg'],
    [{ ...linux, compiledIn: ['tcg'] }, 'tcg'],
    [{ platform: 'darwin', arch: 'arm64', kvmUsable: false, compiledIn: ['hvf', 'tcg'] }, 'hvf'],
    [{ platform: 'win32', arch: 'x64', kvmUsable: false, compiledIn: ['whpx', 'tcg'] }, 'whpx'],
    [{ platform: 'win32', arch: 'x64', kvmUsable: false, compiledIn: ['tcg'] }, 'tcg'],
    [{ platform: 'freebsd', arch: 'x64', kvmUsable: false, compiledIn: [] }, 'tcg'],
    // An unknown list (old QEMU without `-accel help`) does not rule kvm out.
    [{ ...linux, compiledIn: [] }, 'kvm'],
  ] as Array<[HostFacts, string]>)('auto on %p picks %s', (facts, expected) => {
    expect(resolveAccel('auto', facts)).toBe(expected);
  });

  it('keeps an explicit choice', () => {
    expect(resolveAccel('tcg', linux)).toBe('tcg');
    expect(resolveAccel('hvf', linux)).toBe('hvf');
  });
});

describe('accelProblem', () => {
  it('explains what is missing', () => {
    expect(accelProblem('kvm', linux)).toBeUndefined();
    expect(accelProblem('tcg', linux)).toBeUndefined();
    expect(accelProblem('kvm', { ...linux, kvmUsable: false })).toMatch(/\/dev\/kvm/);
    expect(accelProblem('hvf', { ...linux, compiledIn: [] })).toMatch(/not available on linux/);
    expect(accelProblem('hvf', linux)).toMatch(/built without hvf/);
    expect(accelProblem('kvm', { ...linux, compiledIn: ['tcg'] })).toMatch(/built without kvm/);
  });
});

describe('buildQemuArgs', () => {
  it('forwards SSH and the engine on loopback only, with the per-machine MAC', () => {
    const args = buildQemuArgs(spec);
    expect(after(args, '-netdev')).toBe('user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:40376-:2376');
    expect(allAfter(args, '-device')).toContain(`virtio-net-pci,netdev=net0,mac=${macFor('dev1')}`);
  });

  it('puts the overlay first and the seed read-only second', () => {
    expect(allAfter(buildQemuArgs(spec), '-drive')).toEqual([
      'if=virtio,file=/s/machines/dev1/disk.qcow2,format=qcow2,discard=unmap',
      'if=virtio,file=/s/machines/dev1/seed.iso,format=raw,readonly=on',
    ]);
  });

  it('runs headless and detached with pidfile, QMP socket and serial log', () => {
    const args = buildQemuArgs(spec);
    expect(after(args, '-display')).toBe('none');
    // No VGA card, CD-ROM or default NIC: the framebuffer console alone costs seconds of a TCG boot.
    expect(args).toContain('-nodefaults');
    expect(after(args, '-pidfile')).toBe(spec.pidfile);
    expect(after(args, '-qmp')).toBe('unix:/s/machines/dev1/qmp.sock,server=on,wait=off');
    expect(after(args, '-serial')).toBe('file:/s/machines/dev1/serial.log');
    expect(args).toContain('-daemonize');
    expect(buildQemuArgs({ ...spec, daemonize: false })).not.toContain('-daemonize');
  });

  it('sets CPUs, memory and machine type per architecture', () => {
    const args = buildQemuArgs(spec);
    expect([after(args, '-smp'), after(args, '-m'), after(args, '-machine')]).toEqual(['2', '2048', 'q35']);
    expect(after(buildQemuArgs({ ...spec, arch: 'arm64' }), '-machine')).toBe('virt');
  });

  it.each([
    ['kvm', 'kvm', 'host'],
    ['hvf', 'hvf', 'host'],
    ['whpx', 'whpx,kernel-irqchip=off', 'max'],
    ['tcg', 'tcg', 'max'],
  ] as const)('accelerator %s', (accel, accelArg, cpu) => {
    const args = buildQemuArgs({ ...spec, accel });
    expect([after(args, '-accel'), after(args, '-cpu')]).toEqual([accelArg, cpu]);
  });

  it('boots a kernel directly only when one is given', () => {
    expect(buildQemuArgs(spec)).not.toContain('-kernel');
    const args = buildQemuArgs({ ...spec, kernel: '/k/vmlinuz', initrd: '/k/initrd.img', append: 'root=/dev/vda rw console=ttyS0' });
    expect([after(args, '-kernel'), after(args, '-initrd'), after(args, '-append')]).toEqual(['/k/vmlinuz', '/k/initrd.img', 'root=/dev/vda rw console=ttyS0']);
  });

  it('escapes commas in paths', () => {
    expect(escapeOptionValue('/a,b/disk')).toBe('/a,,b/disk');
    expect(allAfter(buildQemuArgs({ ...spec, diskPath: '/a,b/disk.qcow2' }), '-drive')[0]).toBe('if=virtio,file=/a,,b/disk.qcow2,format=qcow2,discard=unmap');
  });
});

describe('macFor', () => {
  it('is stable, unicast in the QEMU range, and differs between machines', () => {
    expect(macFor('dev1')).toBe(macFor('dev1'));
    expect(macFor('dev1')).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(macFor('dev1')).not.toBe(macFor('dev2'));
  });
});

it('defaultBinary follows the host architecture', () => {
  expect(defaultBinary('x64')).toBe('qemu-system-x86_64');
  expect(defaultBinary('arm64')).toBe('qemu-system-aarch64');
});
