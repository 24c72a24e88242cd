/** Where dockerd listens on the host, reached through SSH's direct-streamlocal channel. */
export const ENGINE_SOCKET = '/var/run/docker.sock';
