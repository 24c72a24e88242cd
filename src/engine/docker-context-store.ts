import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../core/fs-atomic';
import { readIfExists } from '../util/read-if-exists';

/**
 * The docker CLI's context store, written the way the docker CLI writes it (checked against docker 28's
 * own `docker context create`), so `docker context ls/inspect/use` and `docker --context` read ours:
 *   $DOCKER_CONFIG/contexts/meta/<sha256 of the name>/meta.json   (0644, folders 0755)
 *   $DOCKER_CONFIG/contexts/tls/<sha256 of the name>/docker/{ca,cert,key}.pem   (0600, folders 0700)
 */

export interface DockerContextSpec {
  name: string;
  description: string;
  /** The docker endpoint, e.g. tcp://203.0.113.5:2376. */
  host: string;
  /** PEM texts the docker CLI presents and checks against, as DOCKER_CERT_PATH's files; none for ssh:// hosts. */
  tls?: { ca: string; cert: string; key: string };
}

export interface DockerContextMeta {
  name: string;
  description: string;
  host: string;
}

const TLS_FILES = ['ca.pem', 'cert.pem', 'key.pem'] as const;

export class DockerContextStore {
  constructor(readonly configDir: string) {}

  /** The folder name the docker CLI derives from a context name. */
  static contextId(name: string): string {
    return createHash('sha256').update(name).digest('hex');
  }

  metaDir(name: string): string {
    return path.join(this.configDir, 'contexts', 'meta', DockerContextStore.contextId(name));
  }

  tlsDir(name: string): string {
    return path.join(this.configDir, 'contexts', 'tls', DockerContextStore.contextId(name));
  }

  /** Creates or replaces the context. The TLS files go first, meta.json last: a context that is listed is complete. */
  async write(spec: DockerContextSpec): Promise<void> {
    const metaDir = this.metaDir(spec.name);
    await fs.mkdir(metaDir, { recursive: true, mode: 0o755 });
    if (spec.tls) {
      const endpointTls = path.join(this.tlsDir(spec.name), 'docker');
      await fs.mkdir(endpointTls, { recursive: true, mode: 0o700 });
      const pems: Record<(typeof TLS_FILES)[number], string> = { 'ca.pem': spec.tls.ca, 'cert.pem': spec.tls.cert, 'key.pem': spec.tls.key };
      for (const file of TLS_FILES) await writeFileAtomic(path.join(endpointTls, file), pems[file], 0o600);
    } else {
      // A context rewritten without TLS must not keep certificates the docker CLI would still present.
      await fs.rm(this.tlsDir(spec.name), { recursive: true, force: true });
    }
    const meta = {
      Name: spec.name,
      Metadata: { Description: spec.description },
      Endpoints: { docker: { Host: spec.host, SkipTLSVerify: false } },
    };
    await writeFileAtomic(path.join(metaDir, 'meta.json'), JSON.stringify(meta), 0o644);
  }

  /** The context's name, description and docker endpoint, or undefined when there is no such context. */
  async read(name: string): Promise<DockerContextMeta | undefined> {
    const text = await readIfExists(path.join(this.metaDir(name), 'meta.json'));
    if (text === undefined) return undefined;
    const meta = JSON.parse(text) as { Name?: unknown; Metadata?: { Description?: unknown }; Endpoints?: { docker?: { Host?: unknown } } };
    return {
      name: typeof meta.Name === 'string' ? meta.Name : name,
      description: typeof meta.Metadata?.Description === 'string' ? meta.Metadata.Description : '',
      host: typeof meta.Endpoints?.docker?.Host === 'string' ? meta.Endpoints.docker.Host : '',
    };
  }

  async exists(name: string): Promise<boolean> {
    return (await readIfExists(path.join(this.metaDir(name), 'meta.json'))) !== undefined;
  }

  /** Removes the context's metadata and TLS material; answers whether there was a context to remove. */
  async remove(name: string): Promise<boolean> {
    const existed = await this.exists(name);
    // The listing goes first, so docker never shows a context whose keys are gone; keys left by an
    // interrupted remove sit under the same folder name and go with the next write or remove.
    await fs.rm(this.metaDir(name), { recursive: true, force: true });
    await fs.rm(this.tlsDir(name), { recursive: true, force: true });
    return existed;
  }
}
