import { UsageError } from '../../../src/core/errors';
import { qemuConfigFromFlags } from '../../../drivers/qemu/config';
import { defaultImageUrl } from '../../../src/images/image-source';

describe('qemuConfigFromFlags', () => {
  it('defaults to the Ubuntu LTS cloud image, 2 CPUs, 2 GiB, 20G, auto, user machine', () => {
    expect(qemuConfigFromFlags({}, '/w')).toEqual({
      image: defaultImageUrl(),
      cpus: 2,
      memoryMb: 2048,
      diskSize: '20G',
      accel: 'auto',
      sshUser: 'machine',
    });
    expect(defaultImageUrl('x64')).toMatch(/^https:\/\/cloud-images\.ubuntu\.com\/releases\/\d+\.04\/release\/ubuntu-\d+\.04-server-cloudimg-amd64\.img$/);
    expect(defaultImageUrl('arm64')).toMatch(/arm64\.img$/);
  });

  it('resolves local paths against the working folder and keeps URLs', () => {
    const config = qemuConfigFromFlags({ 'qemu-image': 'img/disk.qcow2', 'qemu-kernel': 'vmlinuz', 'qemu-initrd': '/abs/initrd', 'qemu-append': 'root=/dev/vda' }, '/w');
    expect(config).toMatchObject({ image: '/w/img/disk.qcow2', kernel: '/w/vmlinuz', initrd: '/abs/initrd', append: 'root=/dev/vda' });
    expect(qemuConfigFromFlags({ 'qemu-image': 'http://127.0.0.1:8080/x.img' }).image).toBe('http://127.0.0.1:8080/x.img');
  });

  it('normalises the disk size and digest', () => {
    const digest = 'AB'.repeat(32);
    expect(qemuConfigFromFlags({ 'qemu-disk-size': '40g', 'qemu-image-sha256': digest })).toMatchObject({ diskSize: '40G', imageSha256: digest.toLowerCase() });
    expect(qemuConfigFromFlags({ 'qemu-disk-size': '512MiB' }).diskSize).toBe('512M');
  });

  it.each([
    [{ 'qemu-accel': 'xen' }, /--qemu-accel/],
    [{ 'qemu-cpus': 0 }, /--qemu-cpus/],
    [{ 'qemu-cpus': 1.5 }, /--qemu-cpus/],
    [{ 'qemu-memory': 64 }, /--qemu-memory/],
    [{ 'qemu-disk-size': 'big' }, /--qemu-disk-size/],
    [{ 'qemu-disk-size': '0G' }, /--qemu-disk-size/],
    [{ 'qemu-image-sha256': 'abc' }, /--qemu-image-sha256/],
    [{ 'qemu-image': 'ftp://host/x.img' }, /--qemu-image/],
    [{ 'qemu-initrd': '/initrd' }, /--qemu-kernel/],
    [{ 'qemu-append': 'quiet' }, /--qemu-kernel/],
    [{ 'qemu-ssh-user': 'root' }, /--qemu-ssh-user/],
    [{ 'qemu-ssh-user': 'Bad User' }, /--qemu-ssh-user/],
  ])('rejects %p naming the flag', (flags, message) => {
    expect(() => qemuConfigFromFlags(flags)).toThrow(UsageError);
    expect(() => qemuConfigFromFlags(flags)).toThrow(message);
  });
});
