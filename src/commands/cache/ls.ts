import { MachineCommand } from '../../cli/base-command';
import { renderCacheTable } from '../../cli/cache-listing';
import { type CachedImageRow, listCachedImages } from '../../services/provisioned-image-cache';

export default class CacheLs extends MachineCommand<typeof CacheLs> {
  static override summary = 'list the provisioned images local machines boot from';
  static override description =
    'A provisioned image is the sealed disk of a machine that was provisioned from scratch; the next machine of the same base image, engine source and version, and provisioning scripts boots from it. Each line shows its key, size on disk and the machines whose disks are layered on it.';
  static override examples = ['<%= config.bin %> cache ls', '<%= config.bin %> cache ls --json'];
  static override enableJsonFlag = true;

  async run(): Promise<CachedImageRow[]> {
    const rows = await listCachedImages(this.app);
    if (!this.jsonEnabled()) this.log(rows.length === 0 ? 'No cached images.' : renderCacheTable(rows));
    return rows;
  }
}
