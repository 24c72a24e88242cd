import { Flags } from '@oclif/core';

const helpGroup = 'ENGINE';

/** The engine options every driver shares (docker-machine's --engine-* family, plus our install sources). */
export const engineFlags = {
  'engine-install': Flags.option({
    options: ['docker', 'distro', 'repo', 'none'] as const,
    default: 'docker',
    helpGroup,
    description: "where the engine comes from: Docker's apt repository (key bundled and checked), the distribution's docker.io, any apt repository (--engine-repo-url/--engine-repo-key), or none (already installed)",
  })(),
  'engine-version': Flags.string({ helpGroup, description: 'engine version to pin (a prefix such as 27.3 is enough)' }),
  'engine-repo-url': Flags.string({ helpGroup, description: 'apt repository URL for --engine-install repo' }),
  'engine-repo-key': Flags.string({ helpGroup, description: "armored public key (.asc file) that signs --engine-repo-url" }),
  'engine-repo-suite': Flags.string({ helpGroup, description: "suite of --engine-repo-url (default: the host's codename)" }),
  'engine-repo-component': Flags.string({ helpGroup, description: 'component of --engine-repo-url', default: 'stable' }),
  'engine-label': Flags.string({ helpGroup, multiple: true, multipleNonGreedy: true, description: 'engine label key=value (repeatable)' }),
  'engine-opt': Flags.string({ helpGroup, multiple: true, multipleNonGreedy: true, description: 'dockerd option name=value, passed as --name=value (repeatable)' }),
  'engine-env': Flags.string({ helpGroup, multiple: true, multipleNonGreedy: true, description: 'environment variable KEY=VALUE for dockerd (repeatable)' }),
  'engine-insecure-registry': Flags.string({ helpGroup, multiple: true, multipleNonGreedy: true, description: 'registry the engine may reach without TLS (repeatable)' }),
  'engine-registry-mirror': Flags.string({ helpGroup, multiple: true, multipleNonGreedy: true, env: 'ENGINE_REGISTRY_MIRROR', description: 'registry mirror URL (repeatable)' }),
  'engine-transport': Flags.option({
    options: ['tls', 'ssh'] as const,
    default: 'tls',
    helpGroup,
    description: 'how clients reach dockerd: a TCP port with mutual TLS, or ssh: no port at all, only the unix socket through SSH (machine proxy, machine docker, ssh:// docker contexts)',
  })(),
  'engine-storage-driver': Flags.string({ helpGroup, description: 'storage driver for dockerd (default: the engine decides, overlay2)' }),
};

export const tlsFlags = {
  'tls-san': Flags.string({ helpGroup: 'TLS', multiple: true, multipleNonGreedy: true, description: 'extra name or IP for the server certificate (repeatable)' }),
  'tls-key-type': Flags.option({ options: ['ecdsa', 'rsa'] as const, default: 'ecdsa', helpGroup: 'TLS', description: 'key type: ECDSA P-256 (fast) or RSA 2048' })(),
};
