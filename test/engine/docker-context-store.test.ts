import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DockerContextStore, type DockerContextSpec } from '../../src/engine/docker-context-store';
import { docker, dockerContexts, hasDockerCli } from '../helpers/docker-cli';
import { makeTempDir } from '../helpers/tmp-store';
import { type Listening, makeMaterial, startFakeDockerd } from './fake-dockerd';

/*
 * The context store is the docker CLI's format, so the docker CLI is the judge: it must list, inspect,
 * use, remove and connect through what we write, and what we write must be what it writes itself.
 */
const itWithDocker = hasDockerCli ? it : it.skip;

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await makeTempDir('machine-ctx-');
  dirs.push(dir);
  return dir;
}
afterAll(() => Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true }))));

async function modeOf(file: string): Promise<string> {
  return ((await fs.stat(file)).mode & 0o777).toString(8);
}

describe('DockerContextStore against the docker CLI', () => {
  let spec: DockerContextSpec & { tls: NonNullable<DockerContextSpec['tls']> };
  let pemDir: string;

  beforeAll(async () => {
    const material = await makeMaterial();
    pemDir = await tempDir();
    await fs.writeFile(path.join(pemDir, 'ca.pem'), material.ca.certPem);
    await fs.writeFile(path.join(pemDir, 'cert.pem'), material.client.certPem);
    await fs.writeFile(path.join(pemDir, 'key.pem'), material.client.keyPem);
    spec = {
      name: 'machine-dev1',
      description: 'machine dev1 (generic driver)',
      host: 'tcp://203.0.113.5:2376',
      tls: { ca: material.ca.certPem, cert: material.client.certPem, key: material.client.keyPem },
    };
  });

  itWithDocker('writes byte for byte what `docker context create` writes, with the same modes', async () => {
    const ours = await tempDir();
    const theirs = await tempDir();
    await new DockerContextStore(ours).write(spec);
    const created = await docker(theirs, [
      'context', 'create', spec.name, '--description', spec.description,
      '--docker', `host=${spec.host},ca=${pemDir}/ca.pem,cert=${pemDir}/cert.pem,key=${pemDir}/key.pem`,
    ]);
    expect(created.code).toBe(0);

    const id = DockerContextStore.contextId(spec.name);
    const files = ['contexts/meta/ID/meta.json', 'contexts/tls/ID/docker/ca.pem', 'contexts/tls/ID/docker/cert.pem', 'contexts/tls/ID/docker/key.pem'].map((f) => f.replace('ID', id));
    for (const file of files) {
      expect({ file, text: await fs.readFile(path.join(ours, file), 'utf8') }).toEqual({ file, text: await fs.readFile(path.join(theirs, file), 'utf8') });
      expect({ file, mode: await modeOf(path.join(ours, file)) }).toEqual({ file, mode: await modeOf(path.join(theirs, file)) });
    }
    for (const folder of ['contexts/meta/ID', 'contexts/tls', 'contexts/tls/ID', 'contexts/tls/ID/docker'].map((f) => f.replace('ID', id))) {
      expect({ folder, mode: await modeOf(path.join(ours, folder)) }).toEqual({ folder, mode: await modeOf(path.join(theirs, folder)) });
    }
    expect(await modeOf(path.join(ours, files[3]))).toBe('600');
  });

  itWithDocker('is listed and inspected by the docker CLI', async () => {
    const configDir = await tempDir();
    await new DockerContextStore(configDir).write(spec);
    expect(await dockerContexts(configDir)).toEqual(
      expect.arrayContaining([{ Name: spec.name, Current: false, DockerEndpoint: spec.host, Description: spec.description, Error: '' }]),
    );
    const inspected = await docker(configDir, ['context', 'inspect', spec.name]);
    expect(inspected.code).toBe(0);
    expect(JSON.parse(inspected.stdout)).toEqual([
      expect.objectContaining({
        Name: spec.name,
        Metadata: { Description: spec.description },
        Endpoints: { docker: { Host: spec.host, SkipTLSVerify: false } },
        TLSMaterial: { docker: ['ca.pem', 'cert.pem', 'key.pem'] },
      }),
    ]);
    expect(await new DockerContextStore(configDir).read(spec.name)).toEqual({ name: spec.name, description: spec.description, host: spec.host });
  });

  itWithDocker('carries the docker CLI to the engine over mutual TLS (docker --context NAME)', async () => {
    const material = await makeMaterial();
    let engine: Listening | undefined;
    try {
      engine = await startFakeDockerd(material, {
        route: (p) =>
          p.endsWith('/_ping')
            ? { status: 200, body: 'OK', contentType: 'text/plain' }
            : { status: 200, body: JSON.stringify({ Version: '27.9.9-context', ApiVersion: '1.47', MinAPIVersion: '1.24', Os: 'linux', Arch: 'amd64', Components: [] }) },
      });
      const configDir = await tempDir();
      await new DockerContextStore(configDir).write({
        ...spec,
        host: `tcp://127.0.0.1:${engine.port}`,
        tls: { ca: material.ca.certPem, cert: material.client.certPem, key: material.client.keyPem },
      });
      const version = await docker(configDir, ['--context', spec.name, 'version', '--format', '{{.Server.Version}}']);
      expect({ code: version.code, stdout: version.stdout.trim() }).toEqual({ code: 0, stdout: '27.9.9-context' });

      // A client certificate from another CA is refused: the context's keys are what made it work.
      const stranger = await makeMaterial();
      await new DockerContextStore(configDir).write({ ...spec, host: `tcp://127.0.0.1:${engine.port}`, tls: { ca: material.ca.certPem, cert: stranger.client.certPem, key: stranger.client.keyPem } });
      const refused = await docker(configDir, ['--context', spec.name, 'version', '--format', '{{.Server.Version}}']);
      expect(refused.stdout.trim()).not.toBe('27.9.9-context');
    } finally {
      await engine?.close();
    }
  });

  itWithDocker('writes an ssh:// context without TLS material, and drops the keys of the tls context it replaces', async () => {
    const configDir = await tempDir();
    const store = new DockerContextStore(configDir);
    await store.write(spec);
    await store.write({ name: spec.name, description: spec.description, host: 'ssh://machine-dev1' });
    const listed = (await dockerContexts(configDir)).find((c) => c.Name === spec.name);
    expect(listed?.DockerEndpoint).toBe('ssh://machine-dev1');
    await expect(fs.access(store.tlsDir(spec.name))).rejects.toThrow();
  });

  itWithDocker('rewrites a context in place (new endpoint, new keys) and removes it entirely', async () => {
    const configDir = await tempDir();
    const store = new DockerContextStore(configDir);
    await store.write(spec);
    await store.write({ ...spec, host: 'tcp://198.51.100.7:2376', tls: { ...spec.tls, key: spec.tls.key.replace(/\n$/, '\n\n') } });
    expect((await dockerContexts(configDir)).find((c) => c.Name === spec.name)?.DockerEndpoint).toBe('tcp://198.51.100.7:2376');
    expect(await fs.readFile(path.join(store.tlsDir(spec.name), 'docker', 'key.pem'), 'utf8')).toMatch(/\n\n$/);
    expect(await fs.readdir(path.join(store.tlsDir(spec.name), 'docker'))).toEqual(['ca.pem', 'cert.pem', 'key.pem']);

    expect(await store.remove(spec.name)).toBe(true);
    expect((await dockerContexts(configDir)).map((c) => c.Name)).toEqual(['default']);
    await expect(fs.access(store.metaDir(spec.name))).rejects.toThrow();
    await expect(fs.access(store.tlsDir(spec.name))).rejects.toThrow();
    expect(await store.remove(spec.name)).toBe(false);
    expect(await store.read(spec.name)).toBeUndefined();
  });

  itWithDocker('writes contexts the docker CLI itself can remove', async () => {
    const configDir = await tempDir();
    const store = new DockerContextStore(configDir);
    await store.write(spec);
    expect((await docker(configDir, ['context', 'rm', spec.name])).code).toBe(0);
    expect(await store.exists(spec.name)).toBe(false);
    await expect(fs.access(store.tlsDir(spec.name))).rejects.toThrow();
  });
});
