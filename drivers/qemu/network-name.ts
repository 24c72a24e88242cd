/** Names of QEMU local networks (`--qemu-network`): kept apart from network.ts so the descriptor stays cheap. */
export const NETWORK_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
