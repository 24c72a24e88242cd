import { Args } from '@oclif/core';
import { MachineCommand } from '../../cli/base-command';
import { formatSize } from '../../cli/cache-listing';
import { type CachedImageRow, removeCachedImage } from '../../services/provisioned-image-cache';

export default class CacheRm extends MachineCommand<typeof CacheRm> {
  static override summary = 'remove provisioned images by key';
  static override description = 'Refuses an image a machine still uses (its disk is layered on it): remove those machines first.';
  static override examples = ['<%= config.bin %> cache rm 3f9a0c1d2b7e4a55', '<%= config.bin %> cache rm 3f9a'];
  static override enableJsonFlag = true;
  static override strict = false;
  static override args = { keys: Args.string({ description: 'image keys (or unique prefixes) from `cache ls`', required: true }) };

  async run(): Promise<CachedImageRow[]> {
    const removed: CachedImageRow[] = [];
    for (const key of this.positionals) {
      const row = await removeCachedImage(this.app, key);
      removed.push(row);
      if (!this.jsonEnabled()) this.log(`Removed cached image ${row.key} (${formatSize(row.sizeBytes)}).`);
    }
    return removed;
  }
}
