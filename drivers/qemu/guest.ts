/** dockerd's TLS port inside the guest; the host reaches it through the forwarded engine port. */
export const GUEST_ENGINE_PORT = 2376;
