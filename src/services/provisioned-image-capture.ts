import { promises as fs } from 'node:fs';
import type { BootFile, CreateContext, CreateResult, Driver } from '../core/driver';
import { errorMessage } from '../core/errors';
import type { MachineRecord } from '../core/machine-record';
import { ProvisionedImages } from '../images/provisioned-images';
import { provisioningRecipe } from '../provision/recipe';
import { sealHostForImage } from '../provision/runner';
import type { MachineApp } from './app';
import type { CreateRequest } from './create-machine';
import { engineBootFiles } from './engine-boot-files';
import type { Progress } from './progress';
import { provisionMachine } from './provision-machine';
import { sshOptionsFor, withSession } from './ssh-access';
import { waitForState } from './wait-state';

/** Runs one named create step (phase timing, the interrupt check between steps). */
export type CreateStep = <T>(name: string, work: () => Promise<T>) => Promise<T>;

/**
 * The provisioned-image cache's part in create, for drivers that offer it (descriptor
 * `provisionedImages`) unless --no-image-cache:
 *  - before the host is made: the provisioning recipe goes to the driver, which boots from the
 *    provisioned image of its base image and recipe when the cache has one (a hit);
 *  - after a miss is provisioned: the host is sealed (seal-image.sh) and shut down cleanly, its disk
 *    kept as that image, and the machine boots again from it and does the per-machine provisioning,
 *    exactly as the next machine will; so the image is proved on the machine that made it;
 *  - once that machine's engine answers over TLS: the image is marked ready for others.
 * The first machine pays for one more boot; every later one skips the engine install.
 */
export class ImageCacheForCreate {
  private key?: string;
  private captured = false;
  /** Where dockerd is in the image this machine boots from (from the cache entry, or from the seal). */
  private dockerdPath?: string;
  /**
   * The driver took the engine's files for the guest's first boot, with a server certificate issued
   * for them: create's provisioning may keep that certificate.
   */
  serverCertificateIssued = false;

  private constructor(
    private readonly app: MachineApp,
    private readonly request: CreateRequest,
    private readonly progress: Progress,
    readonly recipe: { hash: string; summary: string },
  ) {}

  /** Undefined when the driver cannot use provisioned images or the user said --no-image-cache. */
  static async for(app: MachineApp, request: CreateRequest, progress: Progress): Promise<ImageCacheForCreate | undefined> {
    if (!request.driver.provisionedImages || request.imageCache === false) return undefined;
    const repoKey = request.engineRepoKeyFile ? await fs.readFile(request.engineRepoKeyFile, 'utf8') : undefined;
    return new ImageCacheForCreate(app, request, progress, await provisioningRecipe(request.engine, repoKey));
  }

  /**
   * `CreateContext.engineBootFiles`: the engine's files for a machine booting from a cached image, so
   * that its dockerd starts configured at boot. Undefined for an image whose entry does not say where
   * dockerd is (provisioning then configures it as on any host).
   */
  async engineBootFiles(request: { provisionedImage: string; guestAddresses: string[] }): Promise<BootFile[] | undefined> {
    const entry = await new ProvisionedImages(this.app.layout.root).find(request.provisionedImage);
    if (!entry?.dockerdPath) return undefined;
    this.dockerdPath = entry.dockerdPath;
    const files = await engineBootFiles(this.app, this.request.name, { guestAddresses: request.guestAddresses, dockerdPath: entry.dockerdPath }, this.progress);
    this.serverCertificateIssued = true;
    return files;
  }

  /** What the driver answered: a hit is said out loud; a miss may be captured after provisioning. */
  async created(result: CreateResult): Promise<void> {
    if (!result.provisionedImage) return;
    this.key = result.provisionedImage.key;
    this.captured = result.provisionedImage.hit;
    // The boot files' lookup may have read the entry already.
    if (result.provisionedImage.hit) this.dockerdPath ??= (await new ProvisionedImages(this.app.layout.root).find(this.key))?.dockerdPath;
    this.progress.note(
      'create host',
      result.provisionedImage.hit
        ? `booted from provisioned image ${this.key} (image cache): only the per-machine provisioning is left`
        : `provisioned image ${this.key} is not cached: full provisioning, then this disk is sealed and kept as that image`,
    );
  }

  /**
   * After the full provisioning of a miss: seal, shut down, keep the disk, boot again from it and
   * provision what is per machine. Skipped when another create claimed the same key first.
   */
  async afterProvision(driver: Driver, record: MachineRecord, ctx: CreateContext, step: CreateStep, extraAddresses: string[]): Promise<void> {
    const key = this.key;
    if (key === undefined || this.captured || !driver.captureProvisionedImage) return;
    const images = new ProvisionedImages(this.app.layout.root);
    const claimed = await images.claim({
      key,
      driver: this.request.driver.name,
      file: `${key}.qcow2`,
      baseImageSha256: typeof record.driverState.imageSha256 === 'string' ? record.driverState.imageSha256 : '',
      recipe: this.recipe.hash,
      recipeSummary: this.recipe.summary,
      sourceMachine: record.name,
    });
    if (!claimed) {
      this.progress.note('provision', `another create is keeping provisioned image ${key}; this machine stays as provisioned`);
      return;
    }
    let diskMoved = false;
    try {
      const sealed = await step('seal image', () => withSession(this.app, record, (session) => sealHostForImage(session, { phase: (name) => this.progress.note('seal image', name), log: () => undefined })));
      this.dockerdPath = sealed.dockerdPath;
      await step('keep image', async () => {
        diskMoved = true;
        await driver.captureProvisionedImage?.(key, ctx);
      });
      this.captured = true;
      const { signal, timeouts } = this.request;
      await step('wait for running (image)', () => waitForState(driver, 'Running', timeouts?.runningMs ?? 300_000, signal, driver.statePollIntervalMs, this.app.clock));
      // The sealed disk made new host keys at this boot: the one pinned at first contact is replaced.
      const session = await step('wait for ssh (image)', () =>
        this.app.ssh.waitFor(sshOptionsFor(this.app, record, 'accept-new'), { timeoutMs: timeouts?.sshMs ?? 300_000, intervalMs: 1_000, signal, authGraceMs: 180_000, clock: this.app.clock }),
      );
      try {
        await step('provision (per machine)', () => provisionMachine(this.app, record, session, this.progress, { reuseServerCert: true, extraAddresses, ...this.provisionOptions() }));
      } finally {
        await session.close();
      }
    } catch (err) {
      // Before the disk moved, nothing uses the claim: give the key back. After, the machine's disk
      // is layered on the kept file; the entry stays `capturing` (never used) until prune removes it.
      if (!diskMoved) await images.remove(key).catch(() => undefined);
      this.progress.note('keep image', `the provisioned image was not kept: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** For the provisioning of a machine booted from an image: the engine is there, install-engine is skipped. */
  provisionOptions(): { engineInImage?: boolean } {
    return this.captured && this.dockerdPath ? { engineInImage: true } : {};
  }

  /** The machine made the image and its engine answered: other creates may use the image now. */
  async ready(): Promise<void> {
    if (this.key === undefined || !this.captured) return;
    const images = new ProvisionedImages(this.app.layout.root);
    const entry = (await images.list()).find((e) => e.key === this.key);
    if (entry?.state !== 'capturing' || entry.sourceMachine !== this.request.name) return;
    await images.markReady(this.key, this.dockerdPath ? { dockerdPath: this.dockerdPath } : {});
    this.progress.note('engine ready', `provisioned image ${this.key} is ready for the next machine of this recipe`);
  }
}
