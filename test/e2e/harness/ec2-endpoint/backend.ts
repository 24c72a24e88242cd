/** What runs an instance's guest. The QEMU backend boots real VMs; the inert one lets protocol tests run without them. */
export interface GuestSpec {
  instanceId: string;
  hostname: string;
  /** The AMI's login user, made by cloud-init with the key pair's public key. */
  user: string;
  authorizedKey: string;
  /** Host addresses (public and private IP) whose ports 22 and 2376 reach the guest. */
  addresses: string[];
}

export interface GuestHandle {
  /** The serial console of the current boot. */
  consoleText(): Promise<string>;
  /** ACPI power button, then a hard stop if the guest has not gone down in time. */
  powerDown(timeoutMs: number): Promise<void>;
  kill(): Promise<void>;
}

export interface InstanceBackend {
  /** Starts the guest (its disk persists across boots of the same instance); resolves once it runs, not once it is ready. */
  boot(spec: GuestSpec): Promise<GuestHandle>;
  /** Deletes the instance's disk (termination). */
  discard(instanceId: string): Promise<void>;
  close(): Promise<void>;
}

/** No VM at all: instances run in name only, with an empty console. */
export const inertBackend: InstanceBackend = {
  async boot() {
    return { consoleText: async () => '', powerDown: async () => undefined, kill: async () => undefined };
  },
  async discard() {},
  async close() {},
};
