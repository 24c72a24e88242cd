/** What runs a VM's guest. The QEMU backend boots real VMs; the inert one lets protocol tests run without them. */
export interface GuestSpec {
  /** The VM's unique id (its `vmId`): names its disk, which persists across deallocation. */
  vmId: string;
  hostname: string;
  /** osProfile.adminUsername, made by cloud-init with the SSH key of osProfile. */
  user: string;
  authorizedKey: string;
  /** osProfile.customData, decoded: handed to cloud-init as user data, as Azure does. */
  customData?: string;
  /** Host addresses (public and private IP) whose ports reach the guest. */
  addresses: string[];
  /** TCP ports the network security group lets in (each forwarded on every address). */
  ports: number[];
}

export interface GuestHandle {
  /** The serial console of the current boot. */
  serialLog(): Promise<string>;
  /** Resolves once the guest answers SSH on its first address (the moment the Azure agent would report ready). */
  ready(timeoutMs: number): Promise<void>;
  /** Whether the guest's process still runs. */
  isRunning(): boolean;
  /** ACPI power button, then a hard stop if the guest has not gone down in time. */
  powerDown(timeoutMs: number): Promise<void>;
  kill(): Promise<void>;
}

export interface VmBackend {
  /** Starts the guest (its disk persists across boots of the same VM); resolves once it runs, not once it is ready. */
  boot(spec: GuestSpec): Promise<GuestHandle>;
  /** Deletes the VM's disk. */
  discard(vmId: string): Promise<void>;
  close(): Promise<void>;
}

/** No VM at all: guests run in name only, ready at once, with an empty serial log. */
export const inertVmBackend: VmBackend = {
  async boot() {
    let running = true;
    return {
      serialLog: async () => '',
      ready: async () => undefined,
      isRunning: () => running,
      powerDown: async () => {
        running = false;
      },
      kill: async () => {
        running = false;
      },
    };
  },
  async discard() {},
  async close() {},
};
