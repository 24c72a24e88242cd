import { promises as fs } from 'node:fs';
import { StoreLayout } from '../../src/core/store-layout';
import { copyClientMaterialToMachine, ensureStoreCertificates, writeServerCertificate } from '../../src/tls';
import type { PemPair } from '../../src/tls';
import { fileMode, material, removeTempDirs, tempDir } from './fixtures';

afterAll(removeTempDirs);
afterEach(() => jest.restoreAllMocks());

async function storeWithCertificates(): Promise<StoreLayout> {
  const layout = new StoreLayout(await tempDir());
  await ensureStoreCertificates(layout, 'ecdsa');
  return layout;
}

describe('copyClientMaterialToMachine', () => {
  it('puts ca.pem, cert.pem and key.pem (0600) in machines/NAME, the DOCKER_CERT_PATH folder (0700)', async () => {
    const layout = await storeWithCertificates();
    await copyClientMaterialToMachine(layout, 'dev1');
    for (const [file, source] of [['ca.pem', layout.caCert()], ['cert.pem', layout.clientCert()], ['key.pem', layout.clientKey()]] as const) {
      expect(await fs.readFile(layout.machineFile('dev1', file), 'utf8')).toBe(await fs.readFile(source, 'utf8'));
    }
    expect(await fileMode(layout.machineFile('dev1', 'key.pem'))).toBe(0o600);
    expect(await fileMode(layout.machineDir('dev1'))).toBe(0o700);
    expect((await fs.readdir(layout.machineDir('dev1'))).sort()).toEqual(['ca.pem', 'cert.pem', 'key.pem']);
  });

  it('replaces older copies after a rotation', async () => {
    const layout = await storeWithCertificates();
    await copyClientMaterialToMachine(layout, 'dev1');
    await fs.writeFile(layout.clientKey(), 'new key');
    await copyClientMaterialToMachine(layout, 'dev1');
    expect(await fs.readFile(layout.machineFile('dev1', 'key.pem'), 'utf8')).toBe('new key');
    expect(await fileMode(layout.machineFile('dev1', 'key.pem'))).toBe(0o600);
  });

  it('fails with the store error when the store has no certificates', async () => {
    const layout = new StoreLayout(await tempDir());
    await expect(copyClientMaterialToMachine(layout, 'dev1')).rejects.toMatchObject({ code: 'TLS_STORE_INVALID' });
  });
});

describe('writeServerCertificate', () => {
  let server: PemPair;
  beforeAll(async () => ({ server } = await material('ecdsa')));

  it('writes server.pem and server-key.pem (0600)', async () => {
    const layout = new StoreLayout(await tempDir());
    await writeServerCertificate(layout, 'dev1', server);
    expect(await fs.readFile(layout.machineFile('dev1', 'server.pem'), 'utf8')).toBe(server.certPem);
    expect(await fs.readFile(layout.machineFile('dev1', 'server-key.pem'), 'utf8')).toBe(server.keyPem);
    expect(await fileMode(layout.machineFile('dev1', 'server-key.pem'))).toBe(0o600);
  });

  it('writes through a temp file in the same folder that is 0600 from its creation, then renames it', async () => {
    const layout = new StoreLayout(await tempDir());
    const opened: { file: string; flags: unknown; mode: unknown }[] = [];
    const renamed: [string, string][] = [];
    const realOpen = fs.open.bind(fs);
    const realRename = fs.rename.bind(fs);
    jest.spyOn(fs, 'open').mockImplementation((file, flags, mode) => {
      opened.push({ file: String(file), flags, mode });
      return realOpen(file, flags, mode);
    });
    jest.spyOn(fs, 'rename').mockImplementation((from, to) => {
      renamed.push([String(from), String(to)]);
      return realRename(from, to);
    });
    await writeServerCertificate(layout, 'dev1', server);

    const keyTarget = layout.machineFile('dev1', 'server-key.pem');
    const keyWrite = opened.find((o) => renamed.some(([from, to]) => from === o.file && to === keyTarget));
    expect(keyWrite).toMatchObject({ flags: 'wx', mode: 0o600 });
    expect(keyWrite?.file.startsWith(layout.machineDir('dev1'))).toBe(true);
    // Nobody opened the final names for writing: they only ever appear through rename.
    expect(opened.map((o) => o.file)).not.toContain(keyTarget);
    expect(opened.map((o) => o.file)).not.toContain(layout.machineFile('dev1', 'server.pem'));
  });

  it('keeps the old key intact and leaves no temp file when the write fails', async () => {
    const layout = new StoreLayout(await tempDir());
    await writeServerCertificate(layout, 'dev1', server);
    jest.spyOn(fs, 'rename').mockRejectedValueOnce(Object.assign(new Error('disk full'), { code: 'ENOSPC' }));
    await expect(writeServerCertificate(layout, 'dev1', { certPem: 'new cert', keyPem: 'new key' })).rejects.toThrow('disk full');
    expect(await fs.readFile(layout.machineFile('dev1', 'server-key.pem'), 'utf8')).toBe(server.keyPem);
    expect(await fs.readFile(layout.machineFile('dev1', 'server.pem'), 'utf8')).toBe(server.certPem);
    expect((await fs.readdir(layout.machineDir('dev1'))).sort()).toEqual(['server-key.pem', 'server.pem']);
  });
});
