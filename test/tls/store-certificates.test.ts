import 'reflect-metadata';
import { webcrypto, X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as x509 from '@peculiar/x509';
import { MachineError } from '../../src/core/errors';
import { StoreLayout } from '../../src/core/store-layout';
import { createCa, ensureStoreCertificates, issueClientCert, loadCa, rotateStoreCertificates } from '../../src/tls';
import { fileMode, removeTempDirs, tempDir } from './fixtures';

afterAll(removeTempDirs);

async function freshStore(): Promise<StoreLayout> {
  return new StoreLayout(await tempDir());
}

async function storeFiles(layout: StoreLayout): Promise<Record<string, string>> {
  const files = { ca: layout.caCert(), caKey: layout.caKey(), cert: layout.clientCert(), key: layout.clientKey() };
  const entries = await Promise.all(Object.entries(files).map(async ([name, file]) => [name, await fs.readFile(file, 'utf8')] as const));
  return Object.fromEntries(entries);
}

async function expectStoreInvalid(promise: Promise<unknown>, problem: RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MachineError);
  expect(err).toMatchObject({ code: 'TLS_STORE_INVALID', message: expect.stringMatching(problem) });
  expect((err as MachineError).suggestions.join('\n')).toMatch(/machine regenerate-certs --client-certs/);
}

describe('ensureStoreCertificates', () => {
  it('creates CA and client certificate in an empty store: keys 0600, certs dir 0700, client chained to CA', async () => {
    const layout = await freshStore();
    await expect(ensureStoreCertificates(layout, 'ecdsa')).resolves.toEqual({ created: true });
    expect(await fileMode(layout.certsDir)).toBe(0o700);
    expect(await fileMode(layout.caKey())).toBe(0o600);
    expect(await fileMode(layout.clientKey())).toBe(0o600);
    expect(await fileMode(layout.caCert())).toBe(0o644);
    expect(await fileMode(layout.clientCert())).toBe(0o644);
    const files = await storeFiles(layout);
    const ca = new X509Certificate(files.ca);
    expect(ca.ca).toBe(true);
    expect(new X509Certificate(files.cert).verify(ca.publicKey)).toBe(true);
    expect(await fs.readdir(layout.certsDir)).toEqual(['ca-key.pem', 'ca.pem', 'cert.pem', 'key.pem']);
  });

  it('makes keys of the requested type', async () => {
    const layout = await freshStore();
    await ensureStoreCertificates(layout, 'rsa');
    const files = await storeFiles(layout);
    expect(new X509Certificate(files.ca).publicKey.asymmetricKeyType).toBe('rsa');
    expect(new X509Certificate(files.cert).publicKey.asymmetricKeyType).toBe('rsa');
  });

  it('is idempotent: a second call creates nothing and keeps every byte', async () => {
    const layout = await freshStore();
    await ensureStoreCertificates(layout, 'ecdsa');
    const before = await storeFiles(layout);
    await expect(ensureStoreCertificates(layout, 'ecdsa')).resolves.toEqual({ created: false });
    // Asking for another key type does not replace a working CA either.
    await expect(ensureStoreCertificates(layout, 'rsa')).resolves.toEqual({ created: false });
    expect(await storeFiles(layout)).toEqual(before);
  });

  it('tightens a certs folder that someone loosened', async () => {
    const layout = await freshStore();
    await fs.mkdir(layout.certsDir, { mode: 0o755 });
    await fs.chmod(layout.certsDir, 0o755);
    await ensureStoreCertificates(layout, 'ecdsa');
    expect(await fileMode(layout.certsDir)).toBe(0o700);
  });

  it('issues a missing client certificate from the existing CA, keeping the CA', async () => {
    const layout = await freshStore();
    await ensureStoreCertificates(layout, 'ecdsa');
    const before = await storeFiles(layout);
    await fs.rm(layout.clientCert());
    await expect(ensureStoreCertificates(layout, 'ecdsa')).resolves.toEqual({ created: true });
    const after = await storeFiles(layout);
    expect([after.ca, after.caKey]).toEqual([before.ca, before.caKey]);
    expect(after.cert).not.toBe(before.cert);
    expect(after.key).not.toBe(before.key);
    expect(new X509Certificate(after.cert).verify(new X509Certificate(after.ca).publicKey)).toBe(true);
  });

  it('finishes an interrupted creation: a key written without its certificate is replaced', async () => {
    const layout = await freshStore();
    await fs.mkdir(layout.certsDir, { recursive: true });
    await fs.writeFile(layout.caKey(), 'half-written');
    await expect(ensureStoreCertificates(layout, 'ecdsa')).resolves.toEqual({ created: true });
    const files = await storeFiles(layout);
    expect(files.caKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(new X509Certificate(files.cert).verify(new X509Certificate(files.ca).publicKey)).toBe(true);
  });

  describe('refuses a store it cannot trust, changing nothing', () => {
    async function brokenStore(breakIt: (layout: StoreLayout) => Promise<void>): Promise<{ layout: StoreLayout; snapshot: () => Promise<string[]> }> {
      const layout = await freshStore();
      await ensureStoreCertificates(layout, 'ecdsa');
      await breakIt(layout);
      // Names and bytes of whatever is in certs/, to show a refusal writes nothing.
      const snapshot = async () => {
        const names = (await fs.readdir(layout.certsDir)).sort();
        return Promise.all(names.map(async (name) => `${name}:${await fs.readFile(`${layout.certsDir}/${name}`, 'utf8')}`));
      };
      return { layout, snapshot };
    }

    it.each([
      ['ca.pem is gone but cert.pem is there', (l: StoreLayout) => fs.rm(l.caCert()), /ca\.pem is missing/],
      ['ca-key.pem is gone', (l: StoreLayout) => fs.rm(l.caKey()), /ca-key\.pem is missing/],
      ['key.pem is gone', (l: StoreLayout) => fs.rm(l.clientKey()), /key\.pem is missing/],
      ['ca.pem is not a certificate', (l: StoreLayout) => fs.writeFile(l.caCert(), 'garbage'), /ca\.pem is not a PEM certificate/],
      ['ca-key.pem is not a key', (l: StoreLayout) => fs.writeFile(l.caKey(), 'garbage'), /ca-key\.pem is not a PEM private key/],
      ['cert.pem is not a certificate', (l: StoreLayout) => fs.writeFile(l.clientCert(), 'garbage'), /cert\.pem is not a PEM certificate/],
    ])('when %s', async (_label, breakIt, problem) => {
      const { layout, snapshot } = await brokenStore(breakIt);
      const before = await snapshot();
      await expectStoreInvalid(ensureStoreCertificates(layout, 'ecdsa'), problem);
      expect(await snapshot()).toEqual(before);
    });

    it('when ca-key.pem belongs to another certificate', async () => {
      const other = await createCa({ keyType: 'ecdsa' });
      const { layout } = await brokenStore((l) => fs.writeFile(l.caKey(), other.keyPem));
      await expectStoreInvalid(ensureStoreCertificates(layout, 'ecdsa'), /ca-key\.pem is not the key of ca\.pem/);
    });

    it('when the client certificate was signed by another CA', async () => {
      const otherCa = await createCa({ keyType: 'ecdsa' });
      const stranger = await issueClientCert(otherCa, { keyType: 'ecdsa' });
      const { layout } = await brokenStore(async (l) => {
        await fs.writeFile(l.clientCert(), stranger.certPem);
        await fs.writeFile(l.clientKey(), stranger.keyPem);
      });
      await expectStoreInvalid(ensureStoreCertificates(layout, 'ecdsa'), /cert\.pem was not signed by ca\.pem/);
    });

    it('when ca.pem is not a CA', async () => {
      const { layout } = await brokenStore(async (l) => {
        const files = await storeFiles(l);
        await fs.writeFile(l.caCert(), files.cert);
        await fs.writeFile(l.caKey(), files.key);
      });
      await expectStoreInvalid(ensureStoreCertificates(layout, 'ecdsa'), /ca\.pem is not a CA certificate/);
    });

    it('when the CA has expired', async () => {
      const expired = await expiredCa();
      const { layout } = await brokenStore(async (l) => {
        await fs.writeFile(l.caCert(), expired.certPem);
        await fs.writeFile(l.caKey(), expired.keyPem);
      });
      await expectStoreInvalid(ensureStoreCertificates(layout, 'ecdsa'), /ca\.pem expired on 2020-01-01/);
    });
  });
});

describe('rotateStoreCertificates', () => {
  it('replaces CA and client; the old client no longer chains; modes stay tight', async () => {
    const layout = await freshStore();
    await ensureStoreCertificates(layout, 'ecdsa');
    const before = await storeFiles(layout);
    await rotateStoreCertificates(layout, 'rsa');
    const after = await storeFiles(layout);
    for (const name of ['ca', 'caKey', 'cert', 'key']) expect(after[name]).not.toBe(before[name]);
    const newCa = new X509Certificate(after.ca);
    expect(newCa.publicKey.asymmetricKeyType).toBe('rsa');
    expect(new X509Certificate(after.cert).verify(newCa.publicKey)).toBe(true);
    expect(new X509Certificate(before.cert).verify(newCa.publicKey)).toBe(false);
    expect(await fileMode(layout.caKey())).toBe(0o600);
    expect(await fileMode(layout.clientKey())).toBe(0o600);
    await expect(ensureStoreCertificates(layout, 'ecdsa')).resolves.toEqual({ created: false });
  });

  it('repairs a store that ensureStoreCertificates refuses', async () => {
    const layout = await freshStore();
    await ensureStoreCertificates(layout, 'ecdsa');
    await fs.rm(layout.caKey());
    await rotateStoreCertificates(layout, 'ecdsa');
    await expect(ensureStoreCertificates(layout, 'ecdsa')).resolves.toEqual({ created: false });
  });
});

describe('loadCa', () => {
  it('returns the CA certificate and key as stored', async () => {
    const layout = await freshStore();
    await ensureStoreCertificates(layout, 'ecdsa');
    const files = await storeFiles(layout);
    await expect(loadCa(layout)).resolves.toEqual({ certPem: files.ca, keyPem: files.caKey });
  });

  it('says what is missing', async () => {
    await expectStoreInvalid(loadCa(await freshStore()), /ca\.pem is missing/);
  });

  it('refuses a key that does not belong to the CA', async () => {
    const layout = await freshStore();
    await ensureStoreCertificates(layout, 'ecdsa');
    await fs.writeFile(layout.caKey(), (await createCa({ keyType: 'ecdsa' })).keyPem);
    await expectStoreInvalid(loadCa(layout), /not the key of/);
  });
});

/** A CA that ran out on 2020-01-01, made directly with the library (the module under test never back-dates). */
async function expiredCa(): Promise<{ certPem: string; keyPem: string }> {
  x509.cryptoProvider.set(webcrypto);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=expired CA',
    notBefore: new Date('2017-01-01T00:00:00Z'),
    notAfter: new Date('2020-01-01T00:00:00Z'),
    keys,
    signingAlgorithm: algorithm,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { certPem: cert.toString('pem'), keyPem: `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n` };
}
