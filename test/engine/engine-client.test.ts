import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MachineError } from '../../src/core/errors';
import { engineAddress, engineRequest, engineVersion, pingEngine, waitForEngine, type TlsEngineTarget, type TunnelEngineTarget } from '../../src/engine/engine-client';
import { rejectionOf } from '../helpers/rejection';
import { freePort, makeMaterial, startFakeDockerd, startPlainHttpServer, startSilentServer, type Listening, type Material } from './fake-dockerd';

let material: Material;
let dockerd: Listening;

beforeAll(async () => {
  material = await makeMaterial();
  dockerd = await startFakeDockerd(material);
});
afterAll(() => dockerd.close());

function target(port: number, overrides: Partial<TlsEngineTarget> = {}): TlsEngineTarget {
  return { host: '127.0.0.1', port, caPem: material.ca.certPem, certPem: material.client.certPem, keyPem: material.client.keyPem, machineName: 'dev1', ...overrides };
}

const failure = (promise: Promise<unknown>): Promise<MachineError> => rejectionOf(promise, MachineError);

describe('engine client over mutual TLS', () => {
  it('pings the engine', async () => {
    await expect(pingEngine(target(dockerd.port), { timeoutMs: 5000 })).resolves.toBeUndefined();
  });

  it('reads the engine version from /version', async () => {
    await expect(engineVersion(target(dockerd.port), { timeoutMs: 5000 })).resolves.toEqual({
      Version: '27.3.1',
      ApiVersion: '1.47',
      Os: 'linux',
      Arch: 'amd64',
      KernelVersion: '6.1.0-28-amd64',
    });
  });

  it('returns status and body of any path', async () => {
    await expect(engineRequest(target(dockerd.port), '/nope', { timeoutMs: 5000 })).resolves.toEqual({ status: 404, body: '{"message":"page not found"}' });
  });

  it('checks the server certificate against serverName when given', async () => {
    await expect(pingEngine(target(dockerd.port, { serverName: 'dev1' }), { timeoutMs: 5000 })).resolves.toBeUndefined();
  });

  it('formats addresses, bracketing IPv6', () => {
    expect(engineAddress({ host: '203.0.113.5', port: 2376 })).toBe('tcp://203.0.113.5:2376');
    expect(engineAddress({ host: '2001:db8::5', port: 2376 })).toBe('tcp://[2001:db8::5]:2376');
  });
});

describe('the security property: dockerd accepts only clients our CA signed', () => {
  it('refuses a client that presents no certificate', async () => {
    const attempt = new Promise<number>((resolve, reject) => {
      const request = https.get({ host: '127.0.0.1', port: dockerd.port, path: '/_ping', ca: material.ca.certPem, agent: false }, (res) => resolve(res.statusCode ?? 0));
      request.on('error', reject);
    });
    await expect(attempt).rejects.toThrow();
  });

  it('refuses a client certificate from another CA', async () => {
    const stranger = await makeMaterial();
    const err = await failure(pingEngine(target(dockerd.port, { certPem: stranger.client.certPem, keyPem: stranger.client.keyPem }), { timeoutMs: 5000 }));
    expect(err.code).toBe('ENGINE_TLS_FAILED');
    expect(err.message).toContain(`tcp://127.0.0.1:${dockerd.port}`);
  });

  it('refuses a server whose certificate our CA did not sign', async () => {
    const stranger = await makeMaterial();
    const impostor = await startFakeDockerd({ ...stranger, ca: material.ca, client: material.client });
    try {
      const err = await failure(pingEngine(target(impostor.port), { timeoutMs: 5000 }));
      expect(err.code).toBe('ENGINE_TLS_FAILED');
      expect(err.message).toContain(`tcp://127.0.0.1:${impostor.port}`);
      expect(err.suggestions.join('\n')).toContain('machine regenerate-certs dev1');
    } finally {
      await impostor.close();
    }
  });
});

describe('engine errors name the address and the fix', () => {
  it('a certificate not valid for the address suggests regenerate-certs (the machine changed IP)', async () => {
    // The certificate covers 127.0.0.1 but not 127.0.0.2, as after a reboot gave the VM a new IP.
    const moved = await startFakeDockerd(material, { host: '127.0.0.2' });
    try {
      const err = await failure(pingEngine(target(moved.port, { host: '127.0.0.2' }), { timeoutMs: 5000 }));
      expect(err.code).toBe('ENGINE_TLS_FAILED');
      expect(err.message).toContain(`not valid for tcp://127.0.0.2:${moved.port}`);
      expect(err.suggestions).toEqual(["issue a server certificate for the machine's current address: machine regenerate-certs dev1"]);
    } finally {
      await moved.close();
    }
  });

  it('a closed port is ENGINE_UNREACHABLE', async () => {
    const port = await freePort();
    const err = await failure(pingEngine(target(port), { timeoutMs: 5000 }));
    expect(err.code).toBe('ENGINE_UNREACHABLE');
    expect(err.message).toContain(`cannot reach the engine at tcp://127.0.0.1:${port}`);
    expect(err.suggestions[0]).toBe('check that the machine is running: machine status dev1');
  });

  it('a server that never answers is ENGINE_TIMEOUT after the budget', async () => {
    const silent = await startSilentServer();
    try {
      const started = Date.now();
      const err = await failure(pingEngine(target(silent.port), { timeoutMs: 300 }));
      expect(err.code).toBe('ENGINE_TIMEOUT');
      expect(err.message).toBe(`the engine at tcp://127.0.0.1:${silent.port} did not answer within 0.3s`);
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await silent.close();
    }
  });

  it('a plain-HTTP engine is a TLS failure', async () => {
    const plain = await startPlainHttpServer();
    try {
      const err = await failure(pingEngine(target(plain.port), { timeoutMs: 5000 }));
      expect(err.code).toBe('ENGINE_TLS_FAILED');
    } finally {
      await plain.close();
    }
  });

  it('an abort cancels the request at once', async () => {
    const silent = await startSilentServer();
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const started = Date.now();
      const err = await failure(pingEngine(target(silent.port), { timeoutMs: 10_000, signal: controller.signal }));
      expect(err.code).toBe('ENGINE_ABORTED');
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await silent.close();
    }
  });

  it('a ping that is not 200 OK, or a /version that is not JSON, is ENGINE_BAD_RESPONSE', async () => {
    const odd = await startFakeDockerd(material, { route: (path) => (path === '/_ping' ? { status: 500, body: 'starting' } : { status: 200, body: '<html>' }) });
    try {
      expect((await failure(pingEngine(target(odd.port), { timeoutMs: 5000 }))).code).toBe('ENGINE_BAD_RESPONSE');
      expect((await failure(engineVersion(target(odd.port), { timeoutMs: 5000 }))).code).toBe('ENGINE_BAD_RESPONSE');
    } finally {
      await odd.close();
    }
  });
});

describe('waitForEngine', () => {
  it('returns once the engine starts listening', async () => {
    const port = await freePort();
    let late: Listening | undefined;
    const starting = new Promise<void>((resolve) =>
      setTimeout(async () => {
        late = await startFakeDockerd(material, { port });
        resolve();
      }, 300),
    );
    try {
      await expect(waitForEngine(target(port), { timeoutMs: 5000, intervalMs: 50 })).resolves.toBeUndefined();
    } finally {
      await starting;
      await late?.close();
    }
  });

  it('gives up with ENGINE_TIMEOUT carrying the last error', async () => {
    const port = await freePort();
    const started = Date.now();
    const err = await failure(waitForEngine(target(port), { timeoutMs: 400, intervalMs: 50 }));
    expect(err.code).toBe('ENGINE_TIMEOUT');
    expect(err.message).toMatch(new RegExp(`^the engine at tcp://127\\.0\\.0\\.1:${port} was not ready within 0\\.4s: cannot reach`));
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('reports a certificate problem as such rather than as a timeout', async () => {
    const moved = await startFakeDockerd(material, { host: '127.0.0.2' });
    try {
      const err = await failure(waitForEngine(target(moved.port, { host: '127.0.0.2' }), { timeoutMs: 300, intervalMs: 50 }));
      expect(err.code).toBe('ENGINE_TLS_FAILED');
    } finally {
      await moved.close();
    }
  });

  it('stops when aborted', async () => {
    const port = await freePort();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await failure(waitForEngine(target(port), { timeoutMs: 10_000, intervalMs: 50, signal: controller.signal }));
    expect(err.code).toBe('ENGINE_ABORTED');
  });
});

describe('engine client through a tunnel to the engine socket (the ssh transport)', () => {
  let dir: string;
  let server: http.Server;
  let socketPath: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(tmpdir(), 'machine-tunnel-'));
    socketPath = path.join(dir, 'docker.sock');
    // Plain HTTP on a unix socket, as dockerd serves /var/run/docker.sock.
    server = http.createServer((req, res) => {
      if (req.url === '/_ping') res.end('OK');
      else if (req.url === '/version') res.end(JSON.stringify({ Version: '26.1.5', ApiVersion: '1.45', Os: 'linux', Arch: 'amd64' }));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await fs.rm(dir, { recursive: true, force: true });
  });

  const tunnel = (openStream: TunnelEngineTarget['openStream']): TunnelEngineTarget => ({ address: 'ssh://machine-dev1', machineName: 'dev1', openStream });
  const toSocket = () => Promise.resolve(net.connect(socketPath));

  it('speaks plain HTTP over each stream it opens', async () => {
    let opened = 0;
    const target = tunnel(() => (opened++, toSocket()));
    await expect(pingEngine(target, { timeoutMs: 5000 })).resolves.toBeUndefined();
    await expect(engineVersion(target, { timeoutMs: 5000 })).resolves.toMatchObject({ Version: '26.1.5', ApiVersion: '1.45' });
    expect(opened).toBe(2);
    expect(engineAddress(target)).toBe('ssh://machine-dev1');
  });

  it('reports a channel that cannot be opened as unreachable, naming the ssh address', async () => {
    const err = await failure(pingEngine(tunnel(() => Promise.reject(new Error('open failed: administratively prohibited'))), { timeoutMs: 5000 }));
    expect(err.code).toBe('ENGINE_UNREACHABLE');
    expect(err.message).toBe('cannot reach the engine at ssh://machine-dev1: open failed: administratively prohibited');
  });

  it('times out a channel that never opens', async () => {
    const err = await failure(pingEngine(tunnel(() => new Promise(() => undefined)), { timeoutMs: 200 }));
    expect(err.code).toBe('ENGINE_TIMEOUT');
    expect(err.message).toContain('ssh://machine-dev1');
  });
});
