import { execFile, spawnSync } from 'node:child_process';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { StoreLayout } from '../../src/core/store-layout';
import { copyClientMaterialToMachine, ensureStoreCertificates, issueServerCert, loadCa } from '../../src/tls';
import type { KeyType, PemPair } from '../../src/tls';
import { KEY_TYPES, removeTempDirs, tempDir } from './fixtures';
import { itWhen } from '../helpers/prerequisite';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

/*
 * The real consumer: the docker CLI, whose TLS stack is Go's. It loads key.pem (PKCS#8) from
 * DOCKER_CERT_PATH, checks the server certificate against ca.pem and the address, and presents the
 * client certificate. A fake engine answers the two calls `docker version` makes.
 */
const hasDocker = spawnSync('docker', ['--version'], { timeout: SYNC_CHILD_TIMEOUT_MS }).status === 0;
const itWithDocker = itWhen(hasDocker, 'the docker CLI (Debian: docker.io)');

async function startFakeEngine(server: PemPair, caPem: string): Promise<{ port: number; close: () => Promise<void> }> {
  const engine = https.createServer({ cert: server.certPem, key: server.keyPem, ca: caPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    if (req.url?.endsWith('/_ping')) {
      res.writeHead(200, { 'Api-Version': '1.41', 'OSType': 'linux', 'Content-Type': 'text/plain' });
      res.end(req.method === 'HEAD' ? undefined : 'OK');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ Version: '99.0.0-tls-test', ApiVersion: '1.41', MinAPIVersion: '1.12', Os: 'linux', Arch: 'amd64', Components: [] }));
  });
  await new Promise<void>((resolve) => engine.listen(0, '127.0.0.1', resolve));
  return { port: (engine.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => engine.close(() => resolve())) };
}

function dockerServerVersion(port: number, certPath: string, configDir: string): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certPath, DOCKER_CONFIG: configDir };
  delete env.DOCKER_CONTEXT;
  return new Promise((resolve, reject) => {
    execFile('docker', ['version', '--format', '{{.Server.Version}}'], { env, timeout: 20_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim()),
    );
  });
}

afterAll(removeTempDirs);

describe.each(KEY_TYPES)('the docker CLI (Go TLS) with %s certificates', (keyType: KeyType) => {
  itWithDocker('accepts the machine folder as DOCKER_CERT_PATH and talks to the engine', async () => {
    const layout = new StoreLayout(await tempDir());
    await ensureStoreCertificates(layout, keyType);
    await copyClientMaterialToMachine(layout, 'dev1');
    const server = await issueServerCert(await loadCa(layout), { keyType, machineName: 'dev1', sans: [] });
    const engine = await startFakeEngine(server, (await loadCa(layout)).certPem);
    try {
      await expect(dockerServerVersion(engine.port, layout.machineDir('dev1'), path.join(layout.root, 'docker-config'))).resolves.toBe('99.0.0-tls-test');
    } finally {
      await engine.close();
    }
  });

  itWithDocker('refuses an engine whose certificate another CA signed', async () => {
    const layout = new StoreLayout(await tempDir());
    await ensureStoreCertificates(layout, keyType);
    await copyClientMaterialToMachine(layout, 'dev1');
    const other = new StoreLayout(await tempDir());
    await ensureStoreCertificates(other, keyType);
    const server = await issueServerCert(await loadCa(other), { keyType, machineName: 'dev1', sans: [] });
    const engine = await startFakeEngine(server, (await loadCa(layout)).certPem);
    try {
      await expect(dockerServerVersion(engine.port, layout.machineDir('dev1'), path.join(layout.root, 'docker-config'))).rejects.toThrow(/certificate/);
    } finally {
      await engine.close();
    }
  });
});
