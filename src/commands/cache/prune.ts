import { MachineCommand } from '../../cli/base-command';
import { formatSize } from '../../cli/cache-listing';
import { type PruneOutcome, pruneCachedImages } from '../../services/provisioned-image-cache';

export default class CachePrune extends MachineCommand<typeof CachePrune> {
  static override summary = 'remove every provisioned image no machine uses';
  static override description = 'Images whose machines still exist are kept, and so is one a running create is making; each kept image is named with the reason.';
  static override examples = ['<%= config.bin %> cache prune', '<%= config.bin %> cache prune --json'];
  static override enableJsonFlag = true;

  async run(): Promise<PruneOutcome> {
    const outcome = await pruneCachedImages(this.app);
    if (!this.jsonEnabled()) {
      for (const r of outcome.removed) this.log(`Removed cached image ${r.key} (${formatSize(r.sizeBytes)}).`);
      for (const r of outcome.kept) this.log(`Kept ${r.key}: ${r.usedBy.length > 0 ? `used by ${r.usedBy.join(', ')}` : `the create of ${r.sourceMachine} is making it`}.`);
      this.log(`Freed ${formatSize(outcome.freedBytes)}.`);
    }
    return outcome;
  }
}
