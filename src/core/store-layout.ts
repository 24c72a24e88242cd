import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Where everything lives in the store. One place, so no module invents its own path.
 *   STORE/certs/{ca.pem, ca-key.pem, cert.pem, key.pem}
 *   STORE/machines/NAME/{config.json, id_ed25519, id_ed25519.pub, known_hosts, ca.pem, cert.pem, key.pem,
 *                        server.pem, server-key.pem, provision.log}
 *   STORE/.lock (the cross-process store lock)
 *   STORE/previous-docker-context.json (the context `machine use --unset` goes back to, per docker config folder)
 */
export function defaultStorePath(): string {
  return process.env.MACHINE_STORAGE_PATH || path.join(os.homedir(), '.machine');
}

export class StoreLayout {
  constructor(readonly root: string) {}

  get certsDir(): string {
    return path.join(this.root, 'certs');
  }
  get machinesDir(): string {
    return path.join(this.root, 'machines');
  }
  get lockTarget(): string {
    return this.root;
  }
  get previousDockerContextFile(): string {
    return path.join(this.root, 'previous-docker-context.json');
  }

  caCert(): string {
    return path.join(this.certsDir, 'ca.pem');
  }
  caKey(): string {
    return path.join(this.certsDir, 'ca-key.pem');
  }
  clientCert(): string {
    return path.join(this.certsDir, 'cert.pem');
  }
  clientKey(): string {
    return path.join(this.certsDir, 'key.pem');
  }

  machineDir(name: string): string {
    return path.join(this.machinesDir, name);
  }
  machineFile(name: string, file: MachineFile): string {
    return path.join(this.machineDir(name), file);
  }

  /** Turns a store-relative path from a record into an absolute one; absolute paths pass through. */
  resolve(p: string): string {
    return path.isAbsolute(p) ? p : path.join(this.root, p);
  }
  /** Store-relative form of a path inside the store; paths outside stay absolute. */
  relative(p: string): string {
    const rel = path.relative(this.root, p);
    return rel.startsWith('..') || path.isAbsolute(rel) ? p : rel;
  }
}

export type MachineFile =
  | 'config.json'
  | 'id_ed25519'
  | 'id_ed25519.pub'
  | 'known_hosts'
  | 'ca.pem'
  | 'cert.pem'
  | 'key.pem'
  | 'server.pem'
  | 'server-key.pem'
  | 'provision.log'
  | 'engine-repo-key.asc';
