/** dockerd's TLS port inside the guest; the host reaches it through the forwarded engine port. */
export const GUEST_ENGINE_PORT = 2376;
/**
 * The address QEMU's user network (slirp) gives the guest by DHCP: the first of its default
 * 10.0.2.0/24, the same on every VM. The guest reports it, so it is in the engine's certificate.
 */
export const USER_NETWORK_GUEST_ADDRESS = '10.0.2.15';
