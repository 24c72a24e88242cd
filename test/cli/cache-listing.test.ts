import { formatSize, renderCacheTable } from '../../src/cli/cache-listing';
import type { CachedImageRow } from '../../src/services/provisioned-image-cache';

describe('cache listing', () => {
  it('shows sizes in binary units, with a decimal from MiB up', () => {
    expect([0, 1023, 1024, 21_831_680, 3 * 1024 ** 3].map(formatSize)).toEqual(['0 B', '1023 B', '1 KiB', '20.8 MiB', '3.0 GiB']);
  });

  it('aligns one line per image under a header, with - for an unused image', () => {
    const row: CachedImageRow = {
      key: '95f9bcb932371c7d',
      state: 'ready',
      driver: 'qemu',
      sizeBytes: 21_831_680,
      baseImageSha256: 'f'.repeat(64),
      recipe: 'docker.io from the distribution; scripts 855ba9714267',
      sourceMachine: 'q1',
      createdAt: '2026-11-30T22:47:49.767Z',
      usedBy: ['q1', 'q2'],
      path: '/store/cache/provisioned/95f9bcb932371c7d.qcow2',
    };
    expect(renderCacheTable([row, { ...row, key: '0000000000000000', usedBy: [], state: 'abandoned' }]).split('\n')).toEqual([
      'KEY                STATE       SIZE       DRIVER   FROM MACHINE   USED BY   CREATED               RECIPE',
      '95f9bcb932371c7d   ready       20.8 MiB   qemu     q1             q1,q2     2026-11-30 22:47:49   docker.io from the distribution; scripts 855ba9714267',
      '0000000000000000   abandoned   20.8 MiB   qemu     q1             -         2026-11-30 22:47:49   docker.io from the distribution; scripts 855ba9714267',
    ]);
  });
});
