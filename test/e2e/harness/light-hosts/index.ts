import { lightHostBackend, lightHostContainer } from '../ec2-endpoint/light-host-backend';
import type { InstanceBackend } from '../ec2-endpoint/backend';
import { type TestDockerd, startDockerd } from './dockerd';
import { ensureLightHostImage } from './host-image';
import { ensureInotifyInstances } from './kernel-limits';

export interface LightHosts {
  dockerd: TestDockerd;
  image: string;
  /** For the local EC2 endpoint: instances as light hosts. */
  backend: InstanceBackend;
  /** The container of an EC2 instance (to pause it, say). */
  containerOf(instanceId: string): string;
  stop(): Promise<void>;
}

/** A dockerd of the test's own with the light-host image loaded, and an EC2 backend on it. */
export async function startLightHosts(): Promise<LightHosts> {
  await ensureInotifyInstances();
  const dockerd = await startDockerd();
  try {
    const image = await ensureLightHostImage(dockerd);
    return { dockerd, image, backend: lightHostBackend({ dockerd, image }), containerOf: lightHostContainer, stop: () => dockerd.stop() };
  } catch (err) {
    await dockerd.stop();
    throw err;
  }
}
